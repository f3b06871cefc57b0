/**
 * Which name an address gets when several symbols share it: functions,
 * then objects, then labels; a sized symbol before a zero-size alias; a
 * global before a local. Both sort paths (packed keys, comparator for
 * values too large to pack) agree.
 */
import { strict as assert } from 'node:assert';
import { SymbolTable } from '../../symbols/symbol-table';
import { STT_FUNC, STT_NOTYPE, STT_OBJECT, type ElfSymbol } from '../../symbols/elf/elf-file';

const sym = (name: string, value: number, size: number, type: number, bind = 1): ElfSymbol => ({ name, value, size, type, bind, shndx: 5, other: 0 });

describe('symbol table: names at a shared address', () => {
  for (const base of [0x1000, 2 ** 52]) {
    it(`a sized label beats a zero-size alias, a function beats both, globals beat locals (values near ${base === 0x1000 ? '0x1000' : '2^52'})`, () => {
      // Linux's realmode.elf: pa_trampoline_start (NOTYPE, size 0) and trampoline_start (NOTYPE, size 42) at 0x1000.
      const labels = new SymbolTable([sym('pa_trampoline_start', base, 0, STT_NOTYPE), sym('trampoline_start', base, 42, STT_NOTYPE)]);
      assert.equal(labels.lookup(base)?.symbol.name, 'trampoline_start');
      assert.equal(labels.lookup(base + 41)?.symbol.name, 'trampoline_start');
      const mixed = new SymbolTable([sym('local_fn', base, 8, STT_FUNC, 0), sym('data', base, 8, STT_OBJECT), sym('global_fn', base, 8, STT_FUNC), sym('label', base, 8, STT_NOTYPE)]);
      assert.equal(mixed.lookup(base + 4)?.symbol.name, 'global_fn');
      assert.equal(new SymbolTable([sym('alias', base, 0, STT_FUNC), sym('local_sized', base, 4, STT_FUNC, 0)]).lookup(base)?.symbol.name, 'local_sized');
    });
  }
});
