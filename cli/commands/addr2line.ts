/**
 * `bringup addr2line -e FILE [-f] [-i] [-a] [-p] [-s] [--offset N] ADDR...`:
 * for each address, exactly what binutils' addr2line prints with the same
 * options. --offset N says the file's code runs N bytes above where it was
 * linked (the address given is a run-time address).
 */
import { formatAddr2line, resolveLikeAddr2line } from '../../symbols/addr2line/addr2line-resolver';
import { baseName } from '../../symbols/dwarf/file-paths';
import type { CommandOutput } from './command-output';
import { loadSymbolFileForCli } from './load-symbol-file';
import { parseNumberOption, parseVmaLikeBinutils } from './parse-vma';

const EXIT_OK = 0;
const EXIT_FILE = 1;
const EXIT_USAGE = 64;

export const ADDR2LINE_USAGE = `Usage: bringup addr2line [-e FILE] [-f] [-i] [-a] [-p] [-s] [--offset N] ADDRESS...
  -e, --exe=FILE      symbol file (default a.out)
  -f, --functions     show function names
  -i, --inlines       unwind inlined functions
  -a, --addresses     show each address before its location
  -p, --pretty-print  one line per address
  -s, --basenames     strip directories from file names
  -C, --demangle      accepted for compatibility (C names are not mangled)
      --offset N      the file runs N bytes above its link address
Addresses are hexadecimal, with or without 0x.
`;

interface Addr2lineOptions {
  exe: string;
  functions: boolean;
  inlines: boolean;
  addresses: boolean;
  pretty: boolean;
  basenames: boolean;
  offset: number;
  addressArgs: string[];
}

function parseArgs(argv: string[]): Addr2lineOptions | string {
  const o: Addr2lineOptions = { exe: 'a.out', functions: false, inlines: false, addresses: false, pretty: false, basenames: false, offset: 0, addressArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (name: string): string | undefined => {
      const eq = arg.indexOf('=');
      if (eq >= 0) return arg.slice(eq + 1);
      if (i + 1 >= argv.length) return undefined;
      void name;
      return argv[++i];
    };
    if (arg === '--') {
      o.addressArgs.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0];
      switch (name) {
        case 'exe': { const v = value(name); if (v === undefined) return '--exe needs a file'; o.exe = v; break; }
        case 'functions': o.functions = true; break;
        case 'inlines': o.inlines = true; break;
        case 'addresses': o.addresses = true; break;
        case 'pretty-print': o.pretty = true; break;
        case 'basenames': o.basenames = true; break;
        case 'demangle': break;
        case 'offset': {
          const v = value(name);
          const n = v === undefined ? undefined : parseNumberOption(v);
          if (n === undefined) return `--offset needs a number, got '${v ?? ''}'`;
          o.offset = n;
          break;
        }
        default: return `unknown option '${arg}'`;
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1 && !/^-[0-9]/.test(arg)) {
      // Bundled short options, as getopt allows: -fie FILE, -efile.
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j];
        if (c === 'e') {
          const rest = arg.slice(j + 1);
          if (rest !== '') o.exe = rest;
          else if (i + 1 < argv.length) o.exe = argv[++i];
          else return '-e needs a file';
          break;
        }
        switch (c) {
          case 'f': o.functions = true; break;
          case 'i': o.inlines = true; break;
          case 'a': o.addresses = true; break;
          case 'p': o.pretty = true; break;
          case 's': o.basenames = true; break;
          case 'C': break;
          default: return `unknown option '-${c}'`;
        }
      }
      continue;
    }
    o.addressArgs.push(arg);
  }
  return o;
}

export async function runAddr2line(argv: string[], out: CommandOutput): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.includes('-H')) {
    out.stdout(ADDR2LINE_USAGE);
    return EXIT_OK;
  }
  const options = parseArgs(argv);
  if (typeof options === 'string') {
    out.stderr(`bringup addr2line: ${options}\n${ADDR2LINE_USAGE}`);
    return EXIT_USAGE;
  }
  if (options.addressArgs.length === 0) {
    out.stderr(`bringup addr2line: no addresses given\n${ADDR2LINE_USAGE}`);
    return EXIT_USAGE;
  }
  const file = await loadSymbolFileForCli('addr2line', options.exe, out, options.offset);
  if (file === undefined) return EXIT_FILE;
  if (file.dwarfError !== undefined) out.stderr(`bringup addr2line: warning: ${options.exe}: DWARF ignored: ${file.dwarfError.message}\n`);
  let text = '';
  for (const arg of options.addressArgs) {
    const pc = parseVmaLikeBinutils(arg, file.addressBits);
    if (options.addresses) {
      text += `0x${pc.toString(16).padStart(file.addressBits / 4, '0')}${options.pretty ? ': ' : '\n'}`;
    }
    const result = resolveLikeAddr2line(file.elf, file.rawSymbols, file.dwarf, file.mapping.toLink(pc));
    if (options.basenames) for (const f of result.frames) if (f.file !== undefined) f.file = baseName(f.file);
    text += options.pretty ? formatPretty(result, options.functions, options.inlines) : formatAddr2line(result, { functions: options.functions, inlines: options.inlines });
  }
  out.stdout(text);
  return EXIT_OK;
}

/** -p: "function at file:line", inlined callers on " (inlined by) " lines. */
function formatPretty(result: ReturnType<typeof resolveLikeAddr2line>, functions: boolean, inlines: boolean): string {
  if (!result.found) return (functions ? '?? ' : '') + '??:0\n';
  const frames = inlines ? result.frames : result.frames.slice(0, 1);
  return frames
    .map((f, i) => {
      const name = functions ? `${f.functionName === undefined || f.functionName === '' ? '??' : f.functionName} at ` : '';
      const line = f.line === 0 ? '?' : f.discriminator !== 0 ? `${f.line} (discriminator ${f.discriminator})` : `${f.line}`;
      return `${i > 0 ? ' (inlined by) ' : ''}${name}${f.file ?? '??'}:${line}\n`;
    })
    .join('');
}
