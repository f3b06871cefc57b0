// IPI timeline webview script: the extension sends rendered SVG; this adds
// hover/focus details, click/Enter to select the sender, zoom and follow,
// and keyboard navigation. No external resources; CSP nonce only.
// @ts-check
(function () {
  // @ts-ignore acquireVsCodeApi is provided by the webview host
  const vscode = acquireVsCodeApi();
  const host = /** @type {HTMLElement} */ (document.getElementById('timeline'));
  const scroller = /** @type {HTMLElement} */ (document.getElementById('scroller'));
  const details = /** @type {HTMLElement} */ (document.getElementById('details'));
  const zoomLevel = /** @type {HTMLElement} */ (document.getElementById('zoom-level'));
  const followButton = /** @type {HTMLElement} */ (document.getElementById('follow'));
  const count = /** @type {HTMLElement} */ (document.getElementById('count'));
  const state = vscode.getState() || { zoom: 1, follow: true, selected: null };
  let zoom = state.zoom;
  let follow = state.follow;
  let selected = state.selected;

  function save() { vscode.setState({ zoom, follow, selected }); }
  function events() { return Array.from(host.querySelectorAll('.ev')); }
  function describe(el) {
    const t = el.querySelector('title');
    details.textContent = t ? t.textContent : '';
  }
  function select(el) {
    events().forEach((e) => e.classList.remove('selected'));
    el.classList.add('selected');
    selected = el.getAttribute('data-kind') + ':' + el.getAttribute('data-seq');
    save();
    describe(el);
    vscode.postMessage({ type: 'select', sender: Number(el.getAttribute('data-sender')), seq: Number(el.getAttribute('data-seq')), kind: el.getAttribute('data-kind') });
  }
  function setZoom(z) {
    zoom = Math.min(8, Math.max(0.25, Math.round(z * 100) / 100));
    save();
    vscode.postMessage({ type: 'zoom', zoom });
  }
  function setFollow(f) {
    follow = f;
    save();
    vscode.postMessage({ type: 'follow', follow });
  }

  document.getElementById('zoom-in').addEventListener('click', () => setZoom(zoom * 1.25));
  document.getElementById('zoom-out').addEventListener('click', () => setZoom(zoom / 1.25));
  followButton.addEventListener('click', () => setFollow(!follow));
  document.getElementById('export-json').addEventListener('click', () => vscode.postMessage({ type: 'export', format: 'json' }));
  document.getElementById('export-svg').addEventListener('click', () => vscode.postMessage({ type: 'export', format: 'svg' }));

  host.addEventListener('click', (e) => {
    const el = e.target instanceof Element ? e.target.closest('.ev') : null;
    if (el) select(el);
  });
  host.addEventListener('mouseover', (e) => {
    const el = e.target instanceof Element ? e.target.closest('.ev') : null;
    if (el) describe(el);
  });
  host.addEventListener('focusin', (e) => {
    const el = e.target instanceof Element ? e.target.closest('.ev') : null;
    if (el) { describe(el); el.scrollIntoView({ block: 'nearest', inline: 'nearest' }); }
  });
  document.addEventListener('keydown', (e) => {
    const list = events();
    const active = document.activeElement && document.activeElement.closest ? document.activeElement.closest('.ev') : null;
    const i = active ? list.indexOf(active) : -1;
    if ((e.key === 'Enter' || e.key === ' ') && active) { e.preventDefault(); select(active); return; }
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') { e.preventDefault(); const n = list[Math.min(list.length - 1, i + 1)]; if (n) n.focus(); return; }
    if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') { e.preventDefault(); const n = list[Math.max(0, i - 1)]; if (n) n.focus(); return; }
    if (e.key === 'Home') { e.preventDefault(); if (list[0]) list[0].focus(); return; }
    if (e.key === 'End') { e.preventDefault(); if (list.length) list[list.length - 1].focus(); return; }
    if (e.key === '+' || e.key === '=') { setZoom(zoom * 1.25); return; }
    if (e.key === '-') { setZoom(zoom / 1.25); return; }
    if (e.key === 'f' || e.key === 'F') { setFollow(!follow); }
  });
  scroller.addEventListener('wheel', (e) => {
    if (e.ctrlKey) { e.preventDefault(); setZoom(e.deltaY < 0 ? zoom * 1.1 : zoom / 1.1); }
  }, { passive: false });

  window.addEventListener('message', (event) => {
    const m = event.data;
    if (!m || m.type !== 'render') return;
    const focusedSeq = document.activeElement && document.activeElement.getAttribute ? document.activeElement.getAttribute('data-seq') : null;
    const focusedKind = document.activeElement && document.activeElement.getAttribute ? document.activeElement.getAttribute('data-kind') : null;
    zoom = m.zoom;
    follow = m.follow;
    save();
    zoomLevel.textContent = Math.round(zoom * 100) + '%';
    followButton.setAttribute('aria-pressed', String(follow));
    count.textContent = m.count === 1 ? '1 event' : m.count + ' events';
    if (m.count === 0) {
      host.innerHTML = '<p class="empty">No IPIs yet. They appear here as vCPUs send them.</p>';
      return;
    }
    // The markup comes from the extension's renderer, every text escaped.
    host.innerHTML = m.svg;
    if (selected) {
      const [kind, seq] = selected.split(':');
      const el = host.querySelector('.ev[data-kind="' + kind + '"][data-seq="' + seq + '"]');
      if (el) el.classList.add('selected');
    }
    if (focusedSeq !== null) {
      const el = host.querySelector('.ev[data-kind="' + focusedKind + '"][data-seq="' + focusedSeq + '"]');
      if (el) el.focus({ preventScroll: true });
    }
    if (follow) scroller.scrollLeft = scroller.scrollWidth;
  });
  vscode.postMessage({ type: 'ready' });
}());
