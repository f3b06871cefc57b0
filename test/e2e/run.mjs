#!/usr/bin/env node
// End-to-end test in a real VS Code (code-server 4.100.3, VS Code 1.100) in
// a real browser (Debian's chromium through playwright-core), offline:
//   1. installs code-server into .bringup-tmp/e2e/cs (ripgrep cache seeded
//      from the npm package @vscode/ripgrep-linux-x64, so nothing is fetched
//      outside the npm registry), packages bringup.vsix and installs it;
//   2. runs the extension-host suite (test/extension-host/suite) inside the
//      server's extension host, result through the page's codeAutomationExit;
//   3. opens samples/smp-demo, starts debugging with a breakpoint on ap_main,
//      checks the vCPUs, Local APICs and IPI Timeline views and the status
//      bar through the page, and saves screenshots under test-results/.
// Ends with `e2e: N passed, M failed`. `npm run test:e2e`.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = join(root, '.bringup-tmp', 'e2e');
const results = join(root, 'test-results');
const CODE_SERVER = '4.100.3';
const RIPGREP_PACKAGE = '1.15.11'; // @vscode/ripgrep inside code-server 4.100.3
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const checks = [];

function log(msg) { console.log(`[e2e] ${msg}`); }
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}
function check(name, ok, detail = '') {
  checks.push({ name, ok });
  console.log(`${ok ? '  ✔' : '  ✖'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
}

function seedRipgrep() {
  const cache = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE}`);
  if (existsSync(join(cache, RIPGREP_ASSET))) return;
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'rg-'));
  run('npm', ['pack', '--silent', '@vscode/ripgrep-linux-x64'], { cwd: tmp });
  run('sh', ['-c', `tar xzf *.tgz && tar czf "${join(cache, RIPGREP_ASSET)}" -C package/bin rg`], { cwd: tmp });
  rmSync(tmp, { recursive: true, force: true });
}

function codeServerEntry() {
  return join(work, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function ensureCodeServer() {
  const dir = join(work, 'cs');
  const rg = join(dir, 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg');
  const env = { ...process.env, npm_config_yes: 'true', npm_config_unsafe_perm: 'true' };
  if (existsSync(codeServerEntry()) && existsSync(rg)) return;
  log(`installing code-server ${CODE_SERVER} (about a minute)`);
  seedRipgrep();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "name": "bringup-e2e-tools", "private": true }\n');
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', `code-server@${CODE_SERVER}`], { cwd: dir, env });
  // npm 11 may hold back install scripts until approved: run code-server's postinstall (VS Code's modules, ripgrep) explicitly.
  if (!existsSync(rg)) run('npm', ['rebuild', '--no-audit', '--no-fund'], { cwd: dir, env });
  if (!existsSync(rg)) throw new Error('code-server installed without its postinstall (no ripgrep): see the npm output above');
}

function freePort() {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

async function waitHttp(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { const r = await fetch(url); if (r.status < 500) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer`);
}

async function main() {
  mkdirSync(results, { recursive: true });
  ensureCodeServer();
  if (!existsSync(chromiumPath)) throw new Error(`no chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`);
  log('packaging bringup.vsix');
  run('npm', ['run', '--silent', 'package'], { cwd: root });
  run(process.execPath, ['test/e2e/build-suite.mjs'], { cwd: root });

  const userDir = join(work, 'user');
  const extDir = join(work, 'extensions');
  const ws = join(work, 'workspace', 'smp-demo');
  for (const d of [userDir, extDir, join(work, 'workspace')]) rmSync(d, { recursive: true, force: true });
  mkdirSync(join(userDir, 'User'), { recursive: true });
  writeFileSync(join(userDir, 'User', 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'debug.openDebug': 'openOnDebugBreak',
    'debug.toolBarLocation': 'docked',
    'workbench.colorTheme': 'Default Dark Modern',
    'editor.stickyScroll.enabled': false,
  }, null, 2));
  cpSync(join(root, 'samples', 'smp-demo'), ws, { recursive: true, filter: (src) => !src.includes(`${join('smp-demo', 'build')}`) });
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(join(ws, '.vscode', 'launch.json'), JSON.stringify({
    version: '0.2.0',
    configurations: [{ type: 'bringup', request: 'launch', name: 'smp-demo, 4 vCPUs', image: '${workspaceFolder}/smp-demo.elf', boot: 'multiboot', cpus: 4, memory: '128M' }],
  }, null, 2));

  const entry = codeServerEntry();
  const common = ['--config', join(work, 'config.yaml'), '--user-data-dir', userDir, '--extensions-dir', extDir];
  writeFileSync(join(work, 'config.yaml'), 'auth: none\ncert: false\n');
  run(process.execPath, [entry, ...common, '--install-extension', join(root, 'bringup.vsix')]);

  const port = await freePort();
  const server = spawn(process.execPath, [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', ...common, ws], { stdio: ['ignore', 'pipe', 'pipe'] });
  const serverLog = [];
  server.stdout.on('data', (d) => serverLog.push(String(d)));
  server.stderr.on('data', (d) => serverLog.push(String(d)));
  const base = `http://127.0.0.1:${port}`;
  const { chromium } = await import('playwright-core');
  let context;
  try {
    await waitHttp(`${base}/healthz`, 60000);
    context = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
      executablePath: chromiumPath, headless: true, viewport: { width: 1600, height: 1200 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    // --workbench-only: the browser test alone (while working on it).
    if (!process.argv.includes('--workbench-only')) await extensionHostSuite(context, base, ws);
    await workbenchTest(context, base, ws);
  } finally {
    await context?.close().catch(() => {});
    server.kill();
    writeFileSync(join(results, 'code-server.log'), serverLog.join(''));
  }
}

async function extensionHostSuite(context, base, ws) {
  log('extension-host suite in code-server');
  const remote = (p) => `vscode-remote://127.0.0.1:${new URL(base).port}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(root)],
    ['extensionTestsPath', remote(join(root, 'out', 'extension-host', 'suite', 'index.js'))],
  ]);
  const page = await context.newPage();
  const exit = new Promise((res) => { page.exposeFunction('codeAutomationExit', (code) => res(code)).catch(() => res(-1)); });
  rmSync(join(results, 'extension-host.json'), { force: true });
  await page.goto(`${base}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
  const code = await Promise.race([exit, new Promise((res) => setTimeout(() => res('timeout'), 240000))]);
  await page.screenshot({ path: join(results, 'e2e-extension-host.png') }).catch(() => {});
  let detail = `exit ${code}`;
  try {
    const r = JSON.parse((await import('node:fs')).readFileSync(join(results, 'extension-host.json'), 'utf8'));
    for (const t of r.results) check(`extension host: ${t.title}`, t.state === 'passed', t.error?.split('\n')[0]);
    detail = `${r.results.length} tests, ${r.failures} failures`;
  } catch { /* no results file */ }
  check('extension-host suite exits 0', code === 0, detail);
  await page.close();
}

async function workbenchTest(context, base, ws) {
  log('workbench: debug the sample to ap_main on vCPU 1');
  const page = await context.newPage();
  await page.goto(`${base}/?folder=${encodeURIComponent(ws)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.waitForTimeout(3000);
  const palette = async (text) => {
    await page.keyboard.press('F1');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
    await page.keyboard.type(text);
    await page.waitForTimeout(400);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(800);
  };
  // Open smp.c (where ap_main is), add the ap_main breakpoint, start the launch.json configuration.
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible' });
  await page.keyboard.press('Backspace');
  await page.keyboard.type('smp.c');
  await page.waitForSelector('.quick-input-list .monaco-list-row', { timeout: 20000 }).catch(() => {});
  await page.waitForTimeout(500);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1500);
  await palette('Bringup: Run the AP to ap_main');
  await palette('Debug: Start Debugging');
  const status = page.locator('.statusbar-item', { hasText: 'vCPU 1 · protected mode, paging' });
  let stopped = false;
  for (let i = 0; i < 6 && !stopped; i++) {
    stopped = await status.first().waitFor({ timeout: 15000 }).then(() => true, () => false);
    if (!stopped) await page.keyboard.press('F5'); // stopped elsewhere first (entry, an event filter): continue
  }
  check('status bar shows "vCPU 1 · protected mode, paging"', stopped);
  const rows = async (view) => page.locator(`.pane:has(.pane-header:has-text("${view}")) .monaco-list-row`).evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''));
  const header = (title) => page.locator('.pane-header', { hasText: title }).first();
  const setExpanded = async (title, want) => {
    const h = header(title);
    if (await h.getAttribute('aria-expanded').catch(() => null) === String(!want)) await h.click();
  };
  // The README's picture: the stop at ap_main on vCPU 1 with its current line, the call stack, the frame's
  // Control & System scope, the vCPUs view and the IPI timeline. Everything else is folded away.
  for (const title of ['Watch', 'Breakpoints', 'Local APICs', 'IO-APIC']) await setExpanded(title, false);
  for (const title of ['Variables', 'Call Stack', 'vCPUs', 'IPI Timeline']) await setExpanded(title, true);
  // Widen the side bar so the views' descriptions fit.
  await palette('View: Focus Active Editor Group');
  for (let i = 0; i < 8; i++) await palette('View: Decrease Current View Width');
  await palette('View: Close Panel');
  // Give the Variables view the room the Call Stack does not need, and the IPI timeline what the vCPUs view does
  // not: drag the sashes above the (folded) Watch and Local APICs views.
  const dragSashAbove = async (title, dy) => {
    const box = await header(title).boundingBox();
    if (!box) return;
    await page.mouse.move(box.x + 200, box.y);
    await page.mouse.down();
    await page.mouse.move(box.x + 200, box.y + dy, { steps: 10 });
    await page.mouse.up();
  };
  await dragSashAbove('Watch', 180);
  await dragSashAbove('Local APICs', -80);
  const callStack = page.locator('.pane:has(.pane-header:has-text("Call Stack")) .monaco-list-row');
  const apMainFrame = callStack.filter({ hasText: 'ap_main' }).first();
  const framed = await apMainFrame.waitFor({ timeout: 20000 }).then(() => true, () => false);
  // Selecting the frame reveals its line in the editor, whatever the layout changes scrolled.
  if (framed) await apMainFrame.click();
  const variables = page.locator('.pane:has(.pane-header:has-text("Variables")) .monaco-list-row');
  const system = variables.filter({ hasText: 'Control & System' }).first();
  if (await system.waitFor({ timeout: 20000 }).then(() => true, () => false) && await system.getAttribute('aria-expanded') !== 'true') await system.click();
  await variables.filter({ hasText: 'gdtr' }).first().waitFor({ timeout: 20000 }).catch(() => {});
  await page.locator('.monaco-editor .view-overlays .debug-top-stack-frame-line').first().waitFor({ timeout: 20000 }).catch(() => {});
  await page.mouse.move(0, 0); // no hover over the picture
  await page.screenshot({ path: join(results, 'e2e-stopped-at-ap_main.png') });
  if (process.argv.includes('--update-screenshot')) cpSync(join(results, 'e2e-stopped-at-ap_main.png'), join(root, 'extension', 'media', 'screenshot.png'));

  // What the picture shows, checked in the page.
  const smpC = readFileSync(join(ws, 'smp.c'), 'utf8').split('\n');
  const apMainLine = smpC.findIndex((l) => /^void ap_main\(/.test(l)) + 1;
  const current = await page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    const deco = editor?.querySelector('.view-overlays .debug-top-stack-frame-line');
    const top = deco?.closest('.view-overlays > div')?.style.top;
    const margin = [...(editor?.querySelectorAll('.margin-view-overlays > div') ?? [])].find((d) => d.style.top === top);
    const tab = document.querySelector('.editor-group-container.active .tab.active')?.getAttribute('aria-label') ?? '';
    return { tab, line: Number(margin?.querySelector('.line-numbers')?.textContent ?? NaN) };
  });
  check('the editor shows smp.c with the current line in ap_main', /smp\.c/.test(current.tab) && current.line > apMainLine && current.line <= apMainLine + 3, `${JSON.stringify(current)}, ap_main at line ${apMainLine}`);
  const frames = await rows('Call Stack');
  check('the call stack is expanded: vCPU 1 with ap_main on top', frames.some((r) => /vCPU 1 · APIC 1/.test(r)) && frames.some((r) => /ap_main/.test(r)), JSON.stringify(frames));
  const selectedFrame = await callStack.filter({ hasText: 'ap_main' }).evaluateAll((els) => els.some((e) => e.classList.contains('selected') || e.getAttribute('aria-selected') === 'true'));
  check('the ap_main frame is the selected one', selectedFrame);
  const vars = await rows('Variables');
  check('the Control & System scope is expanded, GDTR shown', vars.some((r) => /gdtr/.test(r)) && vars.some((r) => /cr0/.test(r)), JSON.stringify(vars));

  const vcpuRows = await rows('vCPUs');
  check('vCPUs view lists 4 vCPUs', vcpuRows.filter((r) => /vCPU \d/.test(r)).length === 4, JSON.stringify(vcpuRows));
  check('vCPU 1 is stopped by the debugger, active in protected mode with paging', vcpuRows.some((r) => /vCPU 1, APIC 1 · stopped · active · protected mode, paging/.test(r)), JSON.stringify(vcpuRows));
  check('no vCPU is said to be running while the debugger has them stopped', !vcpuRows.some((r) => /\brunning\b/.test(r)), JSON.stringify(vcpuRows));
  check('vCPU 2 waits for SIPI', vcpuRows.some((r) => /vCPU 2, APIC 2 · stopped · wait-for-SIPI/.test(r)), JSON.stringify(vcpuRows));
  await setExpanded('Local APICs', true);
  await page.locator('.pane:has(.pane-header:has-text("Local APICs")) .monaco-list-row').first().waitFor({ timeout: 20000 }).catch(() => {});
  const lapicRows = await rows('Local APICs');
  check('Local APICs view: the BSP\'s APIC is software-enabled', lapicRows.some((r) => /^vCPU 0 · APIC 0, xAPIC · software-enabled · base 0xfee00000/.test(r)), JSON.stringify(lapicRows));
  check('Local APICs view: vCPU 1 selected, its APIC not enabled yet at ap_main (SVR bit 8 clear)', lapicRows.some((r) => /^● vCPU 1 · APIC 1, xAPIC · software-disabled \(SVR bit 8 clear\)/.test(r)), JSON.stringify(lapicRows));
  check('Local APICs view: vCPU 1\'s registers decoded', lapicRows.some((r) => /^TPR, 0x00000000  priority class 0/.test(r)), JSON.stringify(lapicRows));

  // The IPI timeline webview: the view's iframe, then its active frame.
  const timelineHeader = header('IPI Timeline');
  await setExpanded('Local APICs', false);
  await page.waitForTimeout(1000);
  let ipis = [];
  for (const frame of page.frames()) {
    const found = await frame.locator('g.ev.ipi').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))).catch(() => []);
    if (found.length) { ipis = found; break; }
  }
  check('IPI timeline shows INIT and STARTUP IPIs', ipis.some((l) => /Delivery: INIT/.test(l)) && ipis.some((l) => /Delivery: STARTUP, vector 0x08/.test(l)), `${ipis.length} IPIs`);
  check('IPI timeline shows the STARTUP accepted by vCPU 1', ipis.some((l) => /STARTUP[^]*→ vCPU 1 \(APIC 1\): accepted/.test(l)));
  await timelineHeader.screenshot({ path: join(results, 'e2e-ipi-timeline-header.png') }).catch(() => {});
  await page.screenshot({ path: join(results, 'e2e-views.png') });
  await palette('Debug: Stop');
  await page.close();
}

main().then(() => {
  const failed = checks.filter((c) => !c.ok).length;
  console.log(`e2e: ${checks.length - failed} passed, ${failed} failed`);
  process.exit(failed === 0 && checks.length > 0 ? 0 : 1);
}, (e) => {
  console.error(e);
  const failed = checks.filter((c) => !c.ok).length + 1;
  console.log(`e2e: ${checks.length - failed + 1} passed, ${failed} failed`);
  process.exit(1);
});
