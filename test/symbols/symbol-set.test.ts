/**
 * The SymbolSet facade on the freestanding test kernels: a trampoline
 * section mapped to the run-time address it is copied to, a whole file
 * loaded at an offset, several files at once, and the queries the debug
 * adapter makes (symbols, lines, function entries, globals with values
 * read from the file image, unwinding at the asm/C boundary).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SymbolSet } from '../../symbols/symbol-set';
import { buildTestBinaries, FIXTURES, testBinaries, type TestBinary } from './support/test-binaries';

const kernelSource = readFileSync(join(FIXTURES, 'kernel.c'), 'utf8').split('\n');
const lineOf = (text: string): number => kernelSource.findIndex((l) => l.includes(text)) + 1;
const trampolineSource = readFileSync(join(FIXTURES, 'trampoline.S'), 'utf8').split('\n');
const trampolineLineOf = (text: string): number => trampolineSource.findIndex((l) => l.includes(text)) + 1;

function kernels(): TestBinary[] {
  return testBinaries().filter((b) => !b.hosted);
}

describe('symbols: SymbolSet', function () {
  this.timeout(300000);
  before(function () {
    this.timeout(600000);
    buildTestBinaries();
  });

  it('shows trampoline source at the address the trampoline is copied to (section mapping)', function () {
    for (const binary of kernels()) {
      const set = new SymbolSet();
      const file = set.load({ path: binary.path, bytes: readFileSync(binary.path), sections: [{ name: '.trampoline', address: 0x8000 }] });
      const linked = file.elf.sections.find((s) => s.name === '.trampoline')!;
      assert.notEqual(linked.addr, 0x8000);
      const at = set.lookup(0x8000);
      assert.equal(at.symbol?.name, 'trampoline_start', binary.name);
      assert.match(at.file ?? '', /trampoline\.S$/);
      assert.equal(at.line, trampolineLineOf('cli'));
      assert.equal(set.symbolize(0x8001), 'trampoline_start+0x1');
      assert.deepEqual(set.addressesForLine('trampoline.S', trampolineLineOf('xorw')), [0x8001]);
      assert.equal(set.functionEntry('trampoline_start')?.address, 0x8000);
      // The rest of the kernel stays where it was linked.
      const main = file.symbols.byName('kernel_main')!;
      assert.equal(set.lookup(main.value).function?.name, 'kernel_main');
      assert.equal(set.symbolize(main.value), 'kernel_main');
      assert.equal(set.lookup(0x7fff).symbol, undefined);
    }
  });

  it('answers at run-time addresses for a file loaded with an offset, and for several files at once', function () {
    const [a, b] = [kernels().find((k) => k.compiler === 'gcc')!, kernels().filter((k) => k.bits === 32).at(-1)!];
    const set = new SymbolSet();
    const fa = set.load({ path: a.path, bytes: readFileSync(a.path) });
    const offset = 0x10000000;
    const fb = set.load({ path: b.path, bytes: readFileSync(b.path), offset });
    const mainA = fa.symbols.byName('kernel_main')!.value;
    const mainB = fb.symbols.byName('kernel_main')!.value;
    assert.equal(set.lookup(mainA).path, a.path);
    assert.equal(set.lookup(mainB + offset).path, b.path);
    assert.equal(set.lookup(mainB + offset).function?.low, mainB + offset);
    assert.equal(set.symbolize(mainB + offset + 2), 'kernel_main+0x2');
    const lines = set.addressesForLine('kernel.c', lineOf('int kernel_main('));
    assert.ok(lines.includes(mainA) && lines.includes(mainB + offset), lines.map((x) => x.toString(16)).join(' '));
    assert.ok(set.sourceFiles().some((f) => f.endsWith('/kernel.c')) && set.sourceFiles().some((f) => f.endsWith('/trampoline.S')));
    set.unload(b.path);
    assert.equal(set.lookup(mainB + offset).path, undefined);
  });

  it('gives the entry after the prologue: the first statement of the body at -O0', function () {
    for (const binary of kernels().filter((k) => k.optimization === 'O0')) {
      const set = new SymbolSet();
      set.load({ path: binary.path, bytes: readFileSync(binary.path) });
      const entry = set.functionEntry('kernel_main')!;
      assert.ok(entry.afterPrologue > entry.address, binary.name);
      assert.equal(set.lookup(entry.afterPrologue).line, lineOf('fill(shapes, 3);'), binary.name);
      assert.equal(set.lookup(entry.address).line, lineOf('int kernel_main('), binary.name);
      assert.equal(set.functionEntry('no_such_function'), undefined);
    }
  });

  it('reports the inlined call chain of an address', function () {
    for (const binary of kernels().filter((k) => k.optimization === 'O2')) {
      const set = new SymbolSet();
      const file = set.load({ path: binary.path, bytes: readFileSync(binary.path) });
      const inlined = file.dwarf!.scopes.find((s) => s.kind === 'inlined' && s.name === 'clamp' && s.parent?.functionScope?.name === 'scaled');
      if (inlined === undefined) continue; // the compiler chose otherwise
      const info = set.lookup(inlined.ranges[0].low);
      assert.equal(info.inlinedChain?.[0].name, 'clamp', binary.name);
      assert.equal(info.inlinedChain?.[0].callLine, lineOf('int r = clamp('), binary.name);
      assert.equal(info.inlinedChain?.[1]?.name, 'scaled');
      assert.equal(info.function?.name, 'kernel_main');
    }
  });

  it('formats globals from the file image: enums, strings, arrays of structs, multi-dimensional arrays', function () {
    for (const binary of kernels()) {
      const set = new SymbolSet();
      set.load({ path: binary.path, bytes: readFileSync(binary.path) });
      const env = { readRegister: () => undefined, readMemory: (a: number, n: number) => set.readFileImage(a, n) ?? new Uint8Array(n) };
      const globals = new Map(set.globals().map((g) => [g.name, g]));
      assert.equal(globals.get('favourite')?.typeName, 'enum colour', binary.name);
      assert.equal(set.formatValue(globals.get('favourite')!, env).value, 'BLUE', binary.name);
      assert.equal(set.formatValue(globals.get('banner')!, env).value, '"bringup"', binary.name);
      assert.match(globals.get('banner')!.typeName, /^const char \[8\]$/);
      assert.equal(globals.get('shapes')?.typeName, 'struct shape [3]');
      assert.equal(globals.get('counters')?.typeName, 'int [4][2]');
      assert.equal(globals.get('ticks')?.typeName, 'volatile unsigned int');
      const shapes = set.formatValue(globals.get('shapes')!, env);
      assert.equal(shapes.children?.length, 3);
      const members = shapes.children?.[0].children?.map((c) => `${c.name}:${c.type}`);
      assert.deepEqual(members, ['name:const char *', 'colour:enum colour', 'flags:struct flags', 'grid:short int [2][3]', 'combine:binary_op', 'next:struct shape *'].map((m) => (binary.compiler === 'clang' ? m.replace('short int', 'short') : m)));
      const flags = shapes.children?.[0].children?.[2].children?.map((c) => c.type);
      assert.deepEqual(flags, ['unsigned int : 1', 'unsigned int : 1', 'int : 3', 'unsigned char', 'unsigned int : 20']);
      const typeOfCombine = set.globals().find((g) => g.name === 'shapes')!;
      assert.ok(typeOfCombine);
    }
  });

  it('lists parameters of a function at -O0 with their types', function () {
    for (const binary of kernels().filter((k) => k.optimization === 'O0')) {
      const set = new SymbolSet();
      set.load({ path: binary.path, bytes: readFileSync(binary.path) });
      const entry = set.functionEntry('checksum')!;
      const scope = set.scopeAt(entry.afterPrologue);
      assert.deepEqual(scope.parameters.map((p) => `${p.typeName} ${p.name}`), ['const unsigned char * p', 'int len'], binary.name);
      assert.deepEqual(scope.locals.map((p) => `${p.typeName} ${p.name}`), ['unsigned int h'], binary.name);
      assert.ok(scope.globals.some((g) => g.name === 'favourite'));
    }
  });

  it('evaluates i386 -O0 parameters against an ABI-shaped stack and unwinds to the caller (hand-written frame)', function () {
    for (const binary of kernels().filter((k) => k.optimization === 'O0' && k.bits === 32)) {
      const set = new SymbolSet();
      const file = set.load({ path: binary.path, bytes: readFileSync(binary.path) });
      const entry = set.functionEntry('checksum')!;
      const banner = file.symbols.byName('banner')!.value;
      const returnAddress = set.functionEntry('kernel_main')!.afterPrologue + 3;
      // cdecl after "push ebp; mov ebp, esp": [ebp] = caller's ebp, [ebp+4] = return address, arguments from ebp+8.
      const stack = new Uint8Array(0x200).fill(0x5a);
      const view = new DataView(stack.buffer);
      const base = 0x7000 - 0x100;
      view.setUint32(0x100, 0x7180, true); // saved ebp
      view.setUint32(0x104, returnAddress, true);
      view.setUint32(0x108, banner, true); // p
      view.setUint32(0x10c, 8, true); // len
      const readMemory = (a: number, n: number): Uint8Array | undefined => (a >= base && a + n <= base + stack.length ? stack.subarray(a - base, a - base + n) : set.readFileImage(a, n));
      const registers = new Map([[4, 0x7000 - 0x20], [5, 0x7000], [8, entry.afterPrologue]]);
      const env = { readRegister: (n: number) => registers.get(n), readMemory };
      const scope = set.scopeAt(entry.afterPrologue);
      const values = Object.fromEntries([...scope.parameters, ...scope.locals].map((v) => [v.name, set.formatValue(v, env).value]));
      assert.equal(values.p, `0x${banner.toString(16).padStart(8, '0')} <banner> "bringup"`, binary.name);
      assert.equal(values.len, '8', binary.name);
      assert.equal(values.h, `${0x5a5a5a5a}`, binary.name);
      const frames = set.unwind(registers, readMemory);
      assert.equal(frames[0].cfa, 0x7008, binary.name);
      assert.equal(frames[1].pc, returnAddress);
      assert.equal(set.lookup(frames[1].pc).function?.name, 'kernel_main');
      assert.equal(frames[1].registers.get(5), 0x7180);
      assert.equal(frames[1].registers.get(4), 0x7008);
    }
  });
});
