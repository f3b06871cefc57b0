/**
 * `bringup symbols FILE [--offset N]`: the functions of a symbol file with
 * their address ranges and source location (DWARF subprograms, then ELF
 * function symbols DWARF does not describe), and its source files.
 */
import type { CommandOutput } from './command-output';
import { loadSymbolFileForCli } from './load-symbol-file';
import { parseNumberOption } from './parse-vma';
import { listFunctions } from '../../symbols/function-list';

export const SYMBOLS_USAGE = `Usage: bringup symbols FILE [--offset N]
  Lists functions (address range, name, source file:line) and source files.
`;

export async function runSymbols(argv: string[], out: CommandOutput): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.stdout(SYMBOLS_USAGE);
    return 0;
  }
  let offset = 0;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--offset' || argv[i].startsWith('--offset=')) {
      const v = argv[i].includes('=') ? argv[i].split('=')[1] : argv[++i];
      const n = v === undefined ? undefined : parseNumberOption(v);
      if (n === undefined) {
        out.stderr(`bringup symbols: --offset needs a number\n${SYMBOLS_USAGE}`);
        return 64;
      }
      offset = n;
    } else if (argv[i].startsWith('-')) {
      out.stderr(`bringup symbols: unknown option '${argv[i]}'\n${SYMBOLS_USAGE}`);
      return 64;
    } else files.push(argv[i]);
  }
  if (files.length !== 1) {
    out.stderr(`bringup symbols: expected exactly one FILE\n${SYMBOLS_USAGE}`);
    return 64;
  }
  const file = await loadSymbolFileForCli('symbols', files[0], out, offset);
  if (file === undefined) return 1;
  if (file.dwarfError !== undefined) out.stderr(`bringup symbols: warning: ${files[0]}: DWARF ignored: ${file.dwarfError.message}\n`);
  const width = file.addressBits / 4;
  const hex = (n: number): string => `0x${n.toString(16).padStart(width, '0')}`;
  let text = `${files[0]}: ELF${file.addressBits}, ${file.dwarf === undefined ? 'no DWARF' : `DWARF ${[...new Set(file.dwarf.units.map((u) => u.version))].join('/')}`}\n\nfunctions:\n`;
  for (const f of listFunctions(file)) {
    const where = f.file === undefined ? '' : `  ${f.file}${f.line === undefined ? '' : `:${f.line}`}`;
    text += `  ${hex(f.low)}-${hex(f.high)}  ${f.name}${f.fromSymbolTable ? ' [symbol]' : ''}${where}\n`;
  }
  text += '\nsource files:\n';
  for (const s of file.dwarf?.lineTable.files() ?? []) text += `  ${s}\n`;
  out.stdout(text);
  return 0;
}
