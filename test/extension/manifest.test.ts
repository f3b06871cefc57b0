/** Everything package.json contributes is implemented: commands registered, views provided, files present. */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_FILTER_IDS } from '../../debug-adapter/event-filters';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const source = readdirSync(join(root, 'extension'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(join(root, 'extension', f), 'utf8'))
  .join('\n');

describe('extension: package.json contributions are all implemented', () => {
  it('every command is registered in extension code', () => {
    for (const c of pkg.contributes.commands) assert.ok(source.includes(`'${c.command}'`) && /registerCommand|reg\(/.test(source), `${c.command} not registered`);
    const registered = [...source.matchAll(/(?:registerCommand|reg)\('([^']+)'/g)].map((m) => m[1]);
    for (const c of pkg.contributes.commands) assert.ok(registered.includes(c.command), `${c.command} not registered`);
  });

  it('every menu entry names a contributed command', () => {
    const ids = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
    for (const [menu, items] of Object.entries(pkg.contributes.menus) as [string, { command: string }[]][]) {
      for (const i of items) assert.ok(ids.has(i.command), `${menu}: ${i.command}`);
    }
  });

  it('every view has a provider', () => {
    for (const v of pkg.contributes.views.debug) {
      if (v.type === 'webview') assert.match(source, new RegExp(`viewType = '${v.id.replace('.', '\\.')}'`));
      else assert.ok(source.includes(`createTreeView('${v.id}'`), v.id);
    }
  });

  it('settings are read', () => {
    for (const key of Object.keys(pkg.contributes.configuration.properties)) {
      const [, ...rest] = key.split('.');
      assert.ok(source.includes(`'${rest.join('.')}'`), key);
    }
  });

  it('walkthrough pages, grammars and language configurations exist', () => {
    for (const s of pkg.contributes.walkthroughs[0].steps) {
      assert.ok(existsSync(join(root, s.media.markdown)), s.media.markdown);
      for (const e of s.completionEvents) assert.ok(source.includes(`'${e.replace('onCommand:', '')}'`), e);
    }
    for (const g of pkg.contributes.grammars) assert.ok(existsSync(join(root, g.path)), g.path);
    for (const l of pkg.contributes.languages) assert.ok(existsSync(join(root, l.configuration)), l.configuration);
  });

  it('the launch schema covers the contract, with descriptions, and the event filter enum is the adapter\'s', () => {
    const props = pkg.contributes.debuggers[0].configurationAttributes.launch.properties;
    assert.deepEqual(Object.keys(props).sort(), ['boot', 'cmdline', 'cpus', 'disk', 'disks', 'image', 'initrd', 'memory', 'modules', 'quantum', 'schedulerLocking', 'seed', 'serialIrqGate', 'stopOnEntry', 'stopOnEvents', 'symbolFiles', 'traceEvents'].sort());
    for (const [k, v] of Object.entries(props) as [string, { description?: string }][]) assert.ok(v.description && v.description.length > 10, k);
    assert.deepEqual(props.stopOnEvents.items.enum, [...EVENT_FILTER_IDS]);
    assert.deepEqual(props.boot.enum, ['auto', 'bootsector', 'multiboot', 'pvh', 'elf', 'linux']);
    assert.deepEqual(props.schedulerLocking.enum, ['off', 'step', 'on']);
    const snippets = pkg.contributes.debuggers[0].configurationSnippets.map((s: { label: string }) => s.label);
    assert.deepEqual(snippets, ['Bringup: Multiboot kernel', 'Bringup: PVH kernel', 'Bringup: Boot-sector disk image', 'Bringup: smp-demo sample']);
    assert.deepEqual(pkg.contributes.breakpoints.map((b: { language: string }) => b.language), ['c', 'nasm', 'gas']);
  });

  it('the webviews have a strict CSP with a nonce and load only local resources', () => {
    // Every webview view builds its page with the one shell in webview-page.ts.
    const page = readFileSync(join(root, 'extension', 'views', 'webview-page.ts'), 'utf8');
    assert.match(page, /default-src 'none'/);
    assert.match(page, /script-src 'nonce-\$\{nonce\}'/);
    assert.doesNotMatch(page, /unsafe-inline|unsafe-eval|https?:\/\/(?!www\.w3\.org)/);
    for (const [view, script] of [['timeline-view.ts', 'timeline.js'], ['screen-view.ts', 'screen.js']]) {
      const source = readFileSync(join(root, 'extension', 'views', view), 'utf8');
      assert.match(source, /webviewPageHtml\(/, `${view} uses the shared page shell`);
      assert.doesNotMatch(source, /Content-Security-Policy|unsafe-inline|unsafe-eval|https?:\/\/(?!www\.w3\.org)/);
      const js = readFileSync(join(root, 'extension', 'media', script), 'utf8');
      assert.doesNotMatch(js, /\beval\(|new Function|https?:\/\//);
    }
  });
});
