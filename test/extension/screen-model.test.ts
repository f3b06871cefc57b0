/**
 * The Screen view's model on a screen a real guest drew (INT 10h teletype,
 * direct text-buffer writes in several colours, a blinking cell), as the
 * adapter's bringup/screen answers it.
 */
import { strict as assert } from 'node:assert';
import { screenView } from '../../debug-adapter/system-state/screen-view';
import type { ScreenView } from '../../debug-adapter/custom-protocol';
import type { PcMachine } from '../../emulator/machine/pc-machine';
import { attributeColours, renderScreenHtml, screenPalette, screenRuns, screenSummary, screenText } from '../../extension/views/screen-model';
import { bootSector } from '../support/nasm';
import { runGuestBytes } from '../support/run-guest';

const GUEST = bootSector(`
    xor ax, ax
    mov ds, ax
    mov si, msg
    mov ah, 0x0e
.t: lodsb
    test al, al
    jz .paint
    int 0x10
    jmp .t
.paint:
    push 0xb800
    pop es
    mov word [es:160*3], 0x1e3c      ; row 3: '<' yellow on blue
    mov word [es:160*3+2], 0x1e26    ; '&'
    mov word [es:160*3+4], 0xcf21    ; '!' white on red, blinking
    mov al, 0
    out 0xf4, al
    hlt
msg: db "Bringup <screen>", 13, 10, 0
`);

describe('Screen view model', () => {
  let view: ScreenView;

  before(async () => {
    let pc: PcMachine | undefined;
    const r = await runGuestBytes(GUEST, { boot: 'bootsector', maxInstructions: 1_000_000, inspect: (m) => (pc = m) });
    assert.equal(r.exitStatus, 1);
    view = screenView(pc!.platform.vga.registers, pc!.machine.memory);
  });

  it('splits a row into runs where the attribute changes', () => {
    const runs = screenRuns(view, 3);
    assert.deepEqual(runs.slice(0, 3).map((r) => [r.text, r.foreground, r.background, r.blink, r.column]), [
      ['<&', 14, 1, false, 0],
      ['!', 15, 4, true, 2],
      [' '.repeat(77), 7, 0, false, 3],
    ]);
    assert.equal(screenRuns(view, 0).length, 1, 'teletype keeps the cleared screen\'s attribute');
  });

  it('bit 7 is blink while Attribute Mode Control says so, else a bright background', () => {
    assert.deepEqual(attributeColours(0xcf, true), { foreground: 15, background: 4, blink: true });
    assert.deepEqual(attributeColours(0xcf, false), { foreground: 15, background: 12, blink: false });
  });

  it('renders HTML with classes only, every character escaped, the cursor marked in its cell', () => {
    const html = renderScreenHtml(view);
    assert.equal((html.match(/<div class="row">/g) ?? []).length, 25);
    assert.ok(html.includes('Bringup &lt;screen&gt;'), 'teletype text, escaped');
    assert.ok(html.includes('<span class="f14 b1">&lt;&amp;</span><span class="f15 b4 blink">!</span>'));
    assert.ok(!/style=/.test(html), 'no inline styles (CSP)');
    assert.equal((html.match(/class="cursor"/g) ?? []).length, 1);
    assert.match(html, /<div class="row"><span class="f7 b0"><span class="cursor" aria-label="cursor"> <\/span> {79}<\/span><\/div>/, 'cursor at row 1, column 0 after CR LF');
  });

  it('palette: the VGA colours, or with theme colours black and grey follow the editor', () => {
    assert.equal(screenPalette(view, 'vga')[0], '#000000');
    assert.equal(screenPalette(view, 'vga')[14], '#ffff55');
    const theme = screenPalette(view, 'theme');
    assert.equal(theme[0], 'var(--vscode-editor-background)');
    assert.equal(theme[7], 'var(--vscode-editor-foreground)');
    assert.equal(theme[1], '#0000aa');
  });

  it('summary and copy text', () => {
    assert.equal(screenSummary(view), '80x25 at 0xB8000, cursor 2,1');
    const text = screenText(view).split('\n');
    assert.deepEqual(text.slice(0, 4), ['Bringup <screen>', '', '', '<&!']);
  });
});
