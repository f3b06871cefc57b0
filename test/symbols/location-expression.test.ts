/**
 * DWARF expression evaluation (DWARF 5 sections 2.5 and 2.6) on
 * hand-written expressions, for the operations compiled test code does not
 * reach: arithmetic, branches, stack operations, pieces, implicit values,
 * entry values, and malformed input.
 */
import { strict as assert } from 'node:assert';
import { evaluateLocation, readLocation, type EvaluationEnvironment } from '../../symbols/dwarf/location-expression';

const memory = new Uint8Array(0x100);
new DataView(memory.buffer).setUint32(0x40, 0xcafef00d, true);
new DataView(memory.buffer).setUint32(0x44, 0x80, true);

const env: EvaluationEnvironment = {
  // i386 numbering: 0 eax, 4 esp, 5 ebp, 8 eip.
  readRegister: (n) => ({ 0: 0x11, 4: 0x40, 5: 0x50, 8: 0x1000 } as Record<number, number>)[n],
  readMemory: (a, n) => (a >= 0 && a + n <= memory.length ? memory.subarray(a, a + n) : undefined),
  cfa: 0x48,
  entryRegister: (n) => (n === 0 ? 0x99 : undefined),
};
const ctx = { addressSize: 4, frameBase: () => 0x40 };
const run = (...bytes: number[]) => evaluateLocation(Uint8Array.from(bytes), env, ctx);

describe('symbols: DWARF location expressions', function () {
  it('computes memory locations: addr, breg, fbreg, call_frame_cfa, plus_uconst, deref', function () {
    assert.deepEqual(run(0x03, 0x78, 0x56, 0x34, 0x12), { kind: 'memory', address: 0x12345678 }); // DW_OP_addr
    assert.deepEqual(run(0x75, 0x7c), { kind: 'memory', address: 0x4c }); // DW_OP_breg5 -4
    assert.deepEqual(run(0x91, 0x08), { kind: 'memory', address: 0x48 }); // DW_OP_fbreg 8
    assert.deepEqual(run(0x9c, 0x23, 0x04), { kind: 'memory', address: 0x4c }); // call_frame_cfa; plus_uconst 4
    assert.deepEqual(run(0x74, 0x04, 0x06), { kind: 'memory', address: 0x80 }); // breg4 +4; deref → [0x44]
    assert.deepEqual(run(0x92, 0x05, 0x02), { kind: 'memory', address: 0x52 }); // bregx 5 +2
  });

  it('computes register and implicit locations: reg, regx, stack_value, implicit_value', function () {
    assert.deepEqual(run(0x50), { kind: 'register', register: 0 });
    assert.deepEqual(run(0x90, 0x08), { kind: 'register', register: 8 });
    assert.deepEqual(run(0x35, 0x9f), { kind: 'value', value: 5n }); // lit5; stack_value
    const implicit = run(0x9e, 0x02, 0x34, 0x12);
    assert.equal(implicit.kind, 'implicit');
    assert.deepEqual([...readLocation(implicit, 2, env)!], [0x34, 0x12]);
    assert.deepEqual([...readLocation(run(0x50), 4, env)!], [0x11, 0, 0, 0]);
  });

  it('does arithmetic, comparisons, stack operations and branches as signed address-sized values', function () {
    const value = (...bytes: number[]) => {
      const r = run(...bytes, 0x9f);
      return r.kind === 'value' ? r.value : r;
    };
    assert.equal(value(0x11, 0x7b, 0x19), 5n); // consts -5; abs
    assert.equal(value(0x11, 0x79, 0x35, 0x1b), 0xffffffffn); // -7 / 5 = -1 (truncated)
    assert.equal(value(0x3a, 0x33, 0x1d), 1n); // 10 mod 3
    assert.equal(value(0x32, 0x33, 0x1c), 0xffffffffn); // 2 - 3 wraps at 32 bits
    assert.equal(value(0x31, 0x34, 0x24), 16n); // 1 << 4
    assert.equal(value(0x11, 0x70, 0x32, 0x26), 0xfffffffcn); // -16 >>a 2
    assert.equal(value(0x33, 0x35, 0x2d), 1n); // 3 < 5
    assert.equal(value(0x33, 0x34, 0x16, 0x1c), 1n); // swap: 4 - 3
    assert.equal(value(0x31, 0x32, 0x33, 0x17, 0x13, 0x13), 3n); // rot then drop drop
    assert.equal(value(0x31, 0x32, 0x14, 0x22, 0x22), 4n); // over: 1 + (2 + 1)
    assert.equal(value(0x37, 0x15, 0x00, 0x22), 14n); // pick 0 = dup
    // lit1; bra +1 (skips lit9); lit2 → 2
    assert.equal(value(0x31, 0x28, 0x01, 0x00, 0x39, 0x32), 2n);
    // skip +1 over lit9, then lit3
    assert.equal(value(0x2f, 0x01, 0x00, 0x39, 0x33), 3n);
    assert.equal(value(0x0b, 0xfe, 0xff), 0xfffffffen); // const2s -2
    assert.equal(value(0x08, 0xff, 0x94, 0x01), 0n); // deref_size 1 at 0xff: reads memory[0xff]
  });

  it('builds composite locations from pieces', function () {
    // reg0 piece 2; addr 0x40 piece 2
    const r = run(0x50, 0x93, 0x02, 0x03, 0x40, 0, 0, 0, 0x93, 0x02);
    assert.equal(r.kind, 'pieces');
    assert.deepEqual([...readLocation(r, 4, env)!], [0x11, 0x00, 0x0d, 0xf0]);
    // An empty piece is optimized out.
    const partial = run(0x93, 0x02, 0x50, 0x93, 0x02);
    assert.equal(partial.kind, 'pieces');
    assert.equal(readLocation(partial, 4, env), undefined);
  });

  it('uses entry values when the environment knows them, and is unavailable otherwise', function () {
    assert.deepEqual(run(0xa3, 0x01, 0x50, 0x9f), { kind: 'value', value: 0x99n }); // entry_value(reg0); stack_value
    assert.equal(run(0xa3, 0x01, 0x51, 0x9f).kind, 'unavailable');
  });

  it('reports malformed and unsupported expressions as unavailable, never throws', function () {
    for (const bytes of [[0x22], [0x03, 0x01], [0x28, 0x00], [0x2f, 0xf0, 0xff], [0xe0], [0xff], [0x1b, 0x30, 0x30], [0x2f, 0xfd, 0xff]]) {
      const r = evaluateLocation(Uint8Array.from(bytes), env, ctx);
      assert.equal(r.kind, 'unavailable', JSON.stringify(bytes));
    }
    assert.equal(evaluateLocation(Uint8Array.from([0x91, 0x00]), env, { addressSize: 4 }).kind, 'unavailable'); // no frame base
  });
});
