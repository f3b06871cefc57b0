// Screen webview script: shows the HTML the extension renders from
// bringup/screen and sets the 16 text colours as CSS variables (CSSOM, which
// the CSP allows; inline style attributes it does not). CSP nonce only.
// @ts-check
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  const screen = /** @type {HTMLElement} */ (document.getElementById('screen'));
  const status = /** @type {HTMLElement} */ (document.getElementById('status'));
  document.getElementById('copy').addEventListener('click', () => vscode.postMessage({ type: 'copy' }));
  window.addEventListener('message', (event) => {
    const m = event.data;
    if (m.type === 'empty') {
      screen.replaceChildren();
      const div = document.createElement('div');
      div.className = 'empty';
      div.textContent = m.message;
      screen.appendChild(div);
      status.textContent = '';
      return;
    }
    if (m.type !== 'render') return;
    m.palette.forEach((c, i) => screen.style.setProperty('--c' + i, c));
    screen.style.setProperty('--columns', String(m.columns));
    // The HTML is built by the extension from the adapter's answer with every character escaped.
    screen.innerHTML = m.html;
    screen.classList.toggle('stale', m.stale === true);
    status.textContent = m.error ? 'Could not read the screen: ' + m.error : m.stale ? 'Session ended: last screen' : '';
  });
  vscode.postMessage({ type: 'ready' });
})();
