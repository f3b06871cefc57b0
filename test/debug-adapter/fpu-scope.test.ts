/**
 * The FPU scope over DAP (debug-adapter/system-state/fpu-scope.ts): a boot
 * sector loads three values, changes the control word and parks; the scope
 * shows ST0-ST7 in decimal and raw with tags, and the decoded words.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { bootSector } from '../support/nasm';

const root = join(__dirname, '..', '..');
const adapter = join(root, 'dist', 'debugAdapter.js');

const GUEST = bootSector(`
    xor ax, ax
    mov ds, ax
    fninit
    fldcw [cw]
    fld1
    fldpi
    fld dword [value]
    fld1
    fldz
    fdivp st1, st0                     ; 1/0 with ZE masked: +inf, ZE flagged
    jmp done
cw: dw 0x0b7f                          ; round up
value: dd -2.5
times 0x100-($-$$) db 0x90
done:
    jmp done
`);

describe('FPU scope', function () {
  this.timeout(60000);
  let dc: DebugClient;
  let image: string;

  before(function () {
    assert.ok(existsSync(adapter), 'npm test builds dist/debugAdapter.js first');
    image = join(mkdtempSync(join(tmpdir(), 'bringup-fpu-')), 'fpu.img');
    writeFileSync(image, GUEST);
  });

  afterEach(async function () {
    await dc.stop().catch(() => {});
  });

  it('shows ST0-ST7 (decimal, raw, tag) and the decoded control, status and tag words', async function () {
    dc = new DebugClient('node', adapter, 'bringup');
    dc.defaultTimeout = 30000;
    await dc.start();
    await dc.initializeRequest({ adapterID: 'bringup', pathFormat: 'path' });
    await Promise.all([
      dc.waitForEvent('initialized').then(async () => {
        await dc.send('setInstructionBreakpoints', { breakpoints: [{ instructionReference: '0x00007d00' }] });
        await dc.configurationDoneRequest();
      }),
      dc.launchRequest({ image, boot: 'bootsector', cpus: 1 } as DebugProtocol.LaunchRequestArguments),
      dc.waitForEvent('stopped'),
    ]);
    const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    const scope = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((s) => s.name === 'FPU');
    assert.ok(scope, 'an FPU scope');
    const vars = (await dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
    const get = (name: string): DebugProtocol.Variable => {
      const v = vars.find((x) => x.name === name);
      assert.ok(v, `${name} is shown`);
      return v;
    };
    assert.equal(get('st0').value, '+inf  0x7fff_8000000000000000');
    assert.equal(get('st0').type, 'R4 special');
    assert.equal(get('st1').value, '-2.5e+0  0xc000_a000000000000000');
    // FLDPI rounds by RC: up gives ...c235 (SDM Vol. 1 8.3.8).
    assert.equal(get('st2').value, '+3.14159265358979323851e+0  0x4000_c90fdaa22168c235');
    assert.equal(get('st3').value, '+1e+0  0x3fff_8000000000000000');
    assert.equal(get('st3').type, 'R7 valid');
    assert.match(get('st4').value, /^empty/);
    assert.equal(get('st4').type, 'R0 empty');
    assert.equal(get('fcw').value, '0x0b7f [PC=64 bits (extended) RC=up (toward +inf) masked: IM DM ZM OM UM PM]');
    assert.equal(get('fsw').value, '0x2004 [TOP=4 C3=0 C2=0 C1=0 C0=0 flags: ZE]');
    assert.equal(get('ftw').value, '0x02ff [R7=valid R6=valid R5=valid R4=special R3=empty R2=empty R1=empty R0=empty]');
    const st1 = (await dc.variablesRequest({ variablesReference: get('st1').variablesReference })).body.variables;
    assert.deepEqual(st1.map((v) => `${v.name}=${v.value}`), [
      'decimal=-2.5e+0', 'raw=0xc000_a000000000000000', 'sign=1', 'exponent=0x4000', 'significand=0xa000000000000000', 'tag=valid', 'physical register=R5',
    ]);
  });
});
