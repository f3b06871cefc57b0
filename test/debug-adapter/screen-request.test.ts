/**
 * bringup/screen over DAP: the VGA text screen a guest drew, with
 * attributes, cursor and palette; and the launch attributes that go with
 * running kernels written for QEMU (disks, serialIrqGate).
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ScreenView } from '../../debug-adapter/custom-protocol';
import { bootSector } from '../support/nasm';

const root = join(__dirname, '..', '..');
const adapter = join(root, 'dist', 'debugAdapter.js');

// Prints two lines through INT 10h, paints a white-on-blue cell, then parks at 0x7D00.
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
    mov word [es:2*80*2 + 4], 0x1fdb   ; row 2, column 2: a full block, white on blue
    jmp done
msg: db "screen over DAP", 13, 10, "line two", 0
times 0x100-($-$$) db 0x90
done:
    jmp done
`);

describe('bringup/screen and the QEMU-style launch attributes', function () {
  this.timeout(60000);
  let dc: DebugClient;
  let image: string;

  before(function () {
    assert.ok(existsSync(adapter), 'npm test builds dist/debugAdapter.js first');
    image = join(mkdtempSync(join(tmpdir(), 'bringup-screen-')), 'screen.img');
    writeFileSync(image, GUEST);
  });

  beforeEach(async function () {
    dc = new DebugClient('node', adapter, 'bringup');
    dc.defaultTimeout = 30000;
    await dc.start();
  });

  afterEach(async function () {
    await dc.stop().catch(() => {});
  });

  it('answers the text screen with characters, attributes, cursor and palette', async function () {
    await dc.initializeRequest({ adapterID: 'bringup', pathFormat: 'path' });
    await Promise.all([
      dc.waitForEvent('initialized').then(async () => {
        await dc.send('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x00007d00' }] });
        await dc.configurationDoneRequest();
      }),
      dc.launchRequest({ image, boot: 'bootsector', cpus: 1 } as DebugProtocol.LaunchRequestArguments),
      dc.waitForEvent('stopped'),
    ]);
    const screen = (await dc.send('bringup/screen', {})).body as ScreenView;
    assert.deepEqual([screen.columns, screen.rows, screen.address], [80, 25, 0xb8000]);
    assert.equal(screen.lines.length, 25);
    assert.ok(screen.lines.every((l) => l.length === 80), 'every line has one character per column');
    assert.equal(screen.lines[0].trimEnd(), 'screen over DAP');
    assert.equal(screen.lines[1].trimEnd(), 'line two');
    assert.equal(screen.lines[2][2], '█', 'CP437 0xDB');
    assert.equal(screen.attributes[2 * 80 + 2], 0x1f);
    assert.equal(screen.attributes[0], 0x07);
    assert.deepEqual([screen.cursor.row, screen.cursor.column, screen.cursor.visible], [1, 8, true]);
    assert.equal(screen.palette.length, 16);
    assert.equal(screen.palette[1], '#0000aa');
  });

  it('launch attributes: "disks" (master and slave) and "serialIrqGate" are checked, naming the field', async function () {
    await dc.initializeRequest({ adapterID: 'bringup', pathFormat: 'path' });
    await assert.rejects(dc.launchRequest({ image, serialIrqGate: 'mcr' } as DebugProtocol.LaunchRequestArguments), /"serialIrqGate" must be "none" or "out2"/);
    await assert.rejects(dc.launchRequest({ image, disks: [image, image, image] } as DebugProtocol.LaunchRequestArguments), /"disks" must be a list of one or two disk image paths/);
    await assert.rejects(dc.launchRequest({ image, disk: image, disks: [image] } as DebugProtocol.LaunchRequestArguments), /"disks" cannot be combined with "disk"/);
    await assert.rejects(dc.launchRequest({ image, disks: ['/nonexistent/fs.img'] } as DebugProtocol.LaunchRequestArguments), /"disks\[0\]" names "\/nonexistent\/fs.img", which does not exist/);
  });
});
