/**
 * Variables, types, value formatting and unwinding checked against a real
 * run: the snapshot harness (fixtures/snapshot.c) is compiled natively
 * (x86-64, PIE, so the symbol file is loaded with the load offset) and
 * records its registers and memory at a known point; the values the
 * harness assigned are the expectations.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { SymbolSet } from '../../symbols/symbol-set';
import type { EvaluationEnvironment } from '../../symbols/dwarf/location-expression';
import { unwindStack, X86_64 } from '../../symbols/unwinder';
import { hasTool } from './support/test-binaries';
import { takeSnapshot, type NativeSnapshot } from './support/native-snapshot';

function loadSnapshot(s: NativeSnapshot): SymbolSet {
  const set = new SymbolSet();
  const probe = new SymbolSet();
  const file = probe.load({ path: s.binary, bytes: readFileSync(s.binary) });
  const linkMain = file.symbols.byName('main')!.value;
  set.load({ path: s.binary, bytes: readFileSync(s.binary), offset: s.mainAddress - linkMain });
  return set;
}

/** Registers and writable memory from the snapshot; read-only data from the file image (the harness does not dump it). */
function environment(s: NativeSnapshot, set: SymbolSet): EvaluationEnvironment {
  return { readRegister: (n) => s.registers.get(n), readMemory: (a, n) => s.readMemory(a, n) ?? set.readFileImage(a, n) };
}

const compilers = (['gcc', 'clang'] as const).filter((c) => hasTool(c));

for (const compiler of compilers) {
  for (const dwarf of [4, 5]) {
    describe(`symbols: variables and values in a native ${compiler} -O0 -gdwarf-${dwarf} run`, function () {
      this.timeout(120000);
      let snap: NativeSnapshot;
      let set: SymbolSet;
      before(function () {
        snap = takeSnapshot(compiler, ['-O0', `-gdwarf-${dwarf}`, '-fno-omit-frame-pointer']);
        set = loadSnapshot(snap);
      });

      it('finds the function and line of the captured pc at its run-time address', function () {
        const info = set.lookup(snap.registers.get(16)!);
        assert.equal(info.function?.name, 'probe');
        assert.equal(info.symbol?.name, 'probe');
        assert.match(info.file ?? '', /snapshot\.c$/);
        assert.ok((info.line ?? 0) > 0);
      });

      it('lists parameters and locals with their C types', function () {
        const scope = set.scopeAt(snap.registers.get(16)!);
        assert.deepEqual(scope.parameters.map((p) => `${p.typeName} ${p.name}`), ['int count', 'struct shape * s', 'const char * label']);
        const locals = new Map(scope.locals.map((v) => [v.name, v.typeName]));
        assert.equal(locals.get('f'), 'struct flags');
        assert.match(locals.get('grid')!, /^short( int)? \[2\]\[3\]$/);
        assert.equal(locals.get('c'), 'enum colour');
        assert.equal(locals.get('op'), 'binary_op');
        assert.equal(locals.get('w'), 'union word');
        assert.equal(locals.get('letter'), 'char');
        assert.match(locals.get('big')!, /^(long unsigned int|unsigned long)$/);
        assert.equal(locals.get('numbers'), 'int [150]');
        const globals = new Map(scope.globals.map((v) => [v.name, v.typeName]));
        assert.equal(globals.get('global_counter'), 'int');
        assert.equal(globals.get('global_shape'), 'struct shape');
      });

      it('formats integers, chars, pointers, enums, bit fields, unions, arrays and function pointers', function () {
        const env = environment(snap, set);
        const scope = set.scopeAt(snap.registers.get(16)!);
        const value = (name: string) => set.formatValue([...scope.parameters, ...scope.locals, ...scope.globals].find((v) => v.name === name)!, env);
        assert.equal(value('count').value, '42');
        assert.match(value('label').value, /^0x[0-9a-f]{16} "snapshot"$/);
        assert.match(value('op').value, /^0x[0-9a-f]{16} <add>$/);
        assert.equal(value('c').value, 'GREEN');
        assert.equal(value('letter').value, "81 'Q'");
        assert.equal(value('big').value, `${0xfedcba9876543210n}`);
        const f = value('f');
        assert.deepEqual(f.children?.map((c) => `${c.name}=${c.value}`), ['present=1', 'writable=0', 'level=-3', "tag=120 'x'", `frame=${0x54321}`]);
        assert.equal(f.children?.[2].type, 'int : 3');
        const grid = value('grid');
        assert.deepEqual(grid.children?.map((row) => row.children?.map((c) => c.value)), [['10', '11', '12'], ['20', '21', '-22']]);
        const w = value('w');
        assert.equal(w.children?.find((c) => c.name === 'value')?.value, `${0x11223344}`);
        assert.deepEqual(w.children?.find((c) => c.name === 'bytes')?.children?.map((c) => c.value), ["68 'D'", "51 '3'", "34 '\"'", "17 '\\021'"]);
        const numbers = value('numbers');
        assert.equal(numbers.totalChildren, 150);
        assert.equal(numbers.children?.length, 100);
        assert.equal(numbers.children?.[99].value, `${99 * 99}`);
        const page2 = set.formatValue(scope.locals.find((v) => v.name === 'numbers')!, env, { start: 100, count: 100 });
        assert.equal(page2.children?.length, 50);
        assert.equal(page2.children?.[49].name, '[149]');
        assert.equal(page2.children?.[49].value, `${149 * 149}`);
        const s = value('s');
        assert.match(s.value, /^0x[0-9a-f]{16}$/); // points at a local on the stack: no symbol
        const shape = value('global_shape');
        assert.equal(shape.children?.find((c) => c.name === 'colour')?.value, 'BLUE');
        assert.match(shape.children?.find((c) => c.name === 'name')?.value ?? '', /"global"$/);
        assert.equal(value('global_counter').value, '7');
      });

      it('unwinds probe → outer → main by CFI, and by frame pointers alone', function () {
        const frames = set.unwind(snap.registers, (a, n) => snap.readMemory(a, n));
        const names = frames.map((f) => set.lookup(f.pc).function?.name);
        assert.deepEqual(names.slice(0, 3), ['probe', 'outer', 'main']);
        assert.equal(frames[0].method, 'cfi');
        const byFramePointer = unwindStack(X86_64, snap.registers, (a, n) => snap.readMemory(a, n), () => undefined);
        assert.deepEqual(byFramePointer.slice(0, 3).map((f) => f.pc), frames.slice(0, 3).map((f) => f.pc));
        assert.equal(byFramePointer[0].method, 'frame-pointer');
      });
    });
  }

  describe(`symbols: unwinding optimized ${compiler} -O2 code without frame pointers`, function () {
    this.timeout(120000);
    it('walks probe → outer → main from rsp and rip by CFI', function () {
      const snap = takeSnapshot(compiler, ['-O2', '-gdwarf-5', '-fomit-frame-pointer']);
      const set = loadSnapshot(snap);
      const frames = set.unwind(snap.registers, (a, n) => snap.readMemory(a, n));
      const names = frames.map((f) => set.lookup(f.pc).function?.name);
      assert.deepEqual(names.slice(0, 3), ['probe', 'outer', 'main'], JSON.stringify(frames.slice(0, 4).map((f) => [f.pc.toString(16), f.method])));
      assert.ok(frames.slice(0, 3).every((f) => f.method === 'cfi'));
    });
  });
}
