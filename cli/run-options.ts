/**
 * `bringup run` arguments → a checked, typed RunOptions. Every mistake is a
 * UsageError whose message names the argument and what would be accepted;
 * the caller prints it on one line and exits with EXIT_USAGE.
 */
import { parseSize, formatSize } from './size';

export type BootChoice = 'auto' | 'bootsector' | 'multiboot' | 'pvh' | 'elf' | 'linux';
export const BOOT_CHOICES: readonly BootChoice[] = ['auto', 'bootsector', 'multiboot', 'pvh', 'elf', 'linux'];

/** Trace classes selectable with --trace; `all` selects every one. */
export const TRACE_CLASSES = ['ipi', 'modes', 'exceptions', 'boot', 'paravirt', 'io', 'memory', 'run'] as const;
export type TraceSelection = (typeof TRACE_CLASSES)[number];

export interface ModuleArgument {
  path: string;
  /** The module's string (Multiboot `string`, PVH `cmdline_paddr`); defaults to the file path. */
  string: string;
}

export interface RunOptions {
  /** Kernel or raw image; undefined only with --boot bootsector and --disk. */
  image: string | undefined;
  boot: BootChoice;
  cpus: number;
  memorySize: number;
  /** The first --disk (primary master); kept for callers that know one disk. */
  disk: string | undefined;
  /** Every --disk in order: primary master, then primary slave. */
  disks: string[];
  /** --disk-writable: guest writes go to the disk files (otherwise to an in-memory overlay). */
  diskWritable: boolean;
  cmdline: string;
  modules: ModuleArgument[];
  /** --initrd FILE: the Linux boot protocol's ramdisk, or the first PVH module (as QEMU's -initrd). */
  initrd: string | undefined;
  maxInstructions: number | undefined;
  timeoutSeconds: number | undefined;
  trace: Set<TraceSelection>;
  json: string | undefined;
  seed: number;
  quantum: number | undefined;
  /** --screen FILE: the final VGA text screen, as UTF-8 text, written on exit. */
  screen: string | undefined;
  /** --serial-irq-gate: 'none' (QEMU's COM1 line, the default) or 'out2' (real hardware gates it with MCR.OUT2). */
  serialIrqGate: SerialIrqGateChoice;
  /** --gdb [HOST:]PORT: serve the GDB remote protocol there (port 0: any free port, printed on stderr). */
  gdb: GdbAddress | undefined;
  /** --gdb-wait: start halted until a debugger attaches (QEMU's -S). */
  gdbWait: boolean;
  /** --gdb-allow-remote: a --gdb host other than loopback is allowed. */
  gdbAllowRemote: boolean;
}

export interface GdbAddress {
  host: string;
  port: number;
}

export const DEFAULT_GDB_HOST = '127.0.0.1';

/** Hosts that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `PORT`, `HOST:PORT` or `[IPv6]:PORT`. */
export function parseGdbAddress(text: string): GdbAddress {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[2]);
  if (m === null || !(port >= 0 && port <= 65535)) throw new UsageError(`--gdb expects [HOST:]PORT (e.g. 1234 or 127.0.0.1:1234), got '${text}'`);
  const host = m[1] === undefined ? DEFAULT_GDB_HOST : m[1].replace(/^\[|\]$/g, '');
  return { host, port };
}

export const SERIAL_IRQ_GATES = ['none', 'out2'] as const;
export type SerialIrqGateChoice = (typeof SERIAL_IRQ_GATES)[number];

export class UsageError extends Error {}

export const DEFAULT_CPUS = 1;
export const DEFAULT_MEMORY = 128 * 1024 * 1024;
export const MIN_MEMORY = 2 * 1024 * 1024;
/** RAM ends below the 32-bit MMIO window (IO-APIC at 0xFEC00000, local APIC at 0xFEE00000). */
export const MAX_MEMORY = 3 * 1024 * 1024 * 1024;
export const MAX_RUN_CPUS = 255;
/** The primary ATA channel has a master and a slave. */
export const MAX_DISKS = 2;

function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) throw new UsageError(`${flag} expects an integer, got '${text}'`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new UsageError(`${flag} must be from ${min} to ${max}, got ${text}`);
  return value;
}

export function parseRunArguments(argv: readonly string[]): RunOptions {
  const options: RunOptions = {
    image: undefined,
    boot: 'auto',
    cpus: DEFAULT_CPUS,
    memorySize: DEFAULT_MEMORY,
    disk: undefined,
    disks: [],
    diskWritable: false,
    cmdline: '',
    modules: [],
    initrd: undefined,
    maxInstructions: undefined,
    timeoutSeconds: undefined,
    trace: new Set(),
    json: undefined,
    seed: 1,
    quantum: undefined,
    screen: undefined,
    serialIrqGate: 'none',
    gdb: undefined,
    gdbWait: false,
    gdbAllowRemote: false,
  };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      if (arg === '--') {
        if (i + 1 < argv.length) setImage(options, argv[i + 1]);
        if (i + 2 < argv.length) throw new UsageError(`unexpected argument '${argv[i + 2]}'`);
        break;
      }
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${arg}' (options start with --; see bringup run --help)`);
      setImage(options, arg);
      continue;
    }
    let flag = arg;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (eq >= 0) {
      flag = arg.slice(0, eq);
      value = arg.slice(eq + 1);
    }
    const takeValue = (): string => {
      if (value !== undefined) return value;
      if (i + 1 >= argv.length) throw new UsageError(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag !== '--module' && flag !== '--disk' && seen.has(flag)) throw new UsageError(`${flag} given more than once`);
    seen.add(flag);
    switch (flag) {
      case '--boot': {
        const v = takeValue();
        if (!(BOOT_CHOICES as readonly string[]).includes(v)) throw new UsageError(`--boot must be one of ${BOOT_CHOICES.join(', ')}; got '${v}'`);
        options.boot = v as BootChoice;
        break;
      }
      case '--cpus':
        options.cpus = integer(flag, takeValue(), 1, MAX_RUN_CPUS);
        break;
      case '--memory': {
        const v = takeValue();
        const size = parseSize(v);
        if (size === undefined) throw new UsageError(`--memory expects a size such as 128M, 1G or 268435456; got '${v}'`);
        if (size < MIN_MEMORY || size > MAX_MEMORY) {
          throw new UsageError(`--memory must be from ${formatSize(MIN_MEMORY)} to ${formatSize(MAX_MEMORY)}, got ${v}`);
        }
        options.memorySize = size;
        break;
      }
      case '--disk': {
        const path = nonEmpty(flag, takeValue());
        if (options.disks.length >= MAX_DISKS) {
          throw new UsageError(`--disk given more than ${MAX_DISKS} times (the first is the primary master, the second the primary slave; '${path}' has no place)`);
        }
        options.disks.push(path);
        options.disk ??= path;
        break;
      }
      case '--disk-writable':
        if (value !== undefined) throw new UsageError('--disk-writable takes no value');
        options.diskWritable = true;
        break;
      case '--cmdline':
        options.cmdline = takeValue();
        break;
      case '--module': {
        const v = nonEmpty(flag, takeValue());
        const comma = v.indexOf(',');
        options.modules.push(comma < 0 ? { path: v, string: v } : { path: v.slice(0, comma), string: v.slice(comma + 1) });
        break;
      }
      case '--initrd':
        options.initrd = nonEmpty(flag, takeValue());
        break;
      case '--max-instructions':
        options.maxInstructions = integer(flag, takeValue(), 1, Number.MAX_SAFE_INTEGER);
        break;
      case '--timeout': {
        const v = takeValue();
        const seconds = Number(v);
        if (!/^\d+(\.\d+)?$/.test(v) || !(seconds > 0)) throw new UsageError(`--timeout expects a positive number of seconds, got '${v}'`);
        options.timeoutSeconds = seconds;
        break;
      }
      case '--trace':
        for (const part of takeValue().split(',')) {
          const name = part.trim();
          if (name === 'all') TRACE_CLASSES.forEach((c) => options.trace.add(c));
          else if ((TRACE_CLASSES as readonly string[]).includes(name)) options.trace.add(name as TraceSelection);
          else throw new UsageError(`--trace accepts a comma-separated list of ${TRACE_CLASSES.join(', ')}, all; got '${name}'`);
        }
        break;
      case '--json':
        options.json = nonEmpty(flag, takeValue());
        break;
      case '--seed':
        options.seed = integer(flag, takeValue(), 0, 0xffffffff);
        break;
      case '--quantum':
        options.quantum = integer(flag, takeValue(), 1, 1_000_000);
        break;
      case '--screen':
        options.screen = nonEmpty(flag, takeValue());
        break;
      case '--serial-irq-gate': {
        const v = takeValue();
        if (!(SERIAL_IRQ_GATES as readonly string[]).includes(v)) throw new UsageError(`--serial-irq-gate must be one of ${SERIAL_IRQ_GATES.join(', ')}; got '${v}'`);
        options.serialIrqGate = v as SerialIrqGateChoice;
        break;
      }
      case '--gdb':
        options.gdb = parseGdbAddress(takeValue());
        break;
      case '--gdb-wait':
      case '--gdb-allow-remote':
        if (value !== undefined) throw new UsageError(`${flag} takes no value`);
        if (flag === '--gdb-wait') options.gdbWait = true;
        else options.gdbAllowRemote = true;
        break;
      default:
        throw new UsageError(`unknown option '${flag}' (see bringup run --help)`);
    }
  }
  if (options.image === undefined && !(options.disk !== undefined && (options.boot === 'bootsector' || options.boot === 'auto'))) {
    throw new UsageError('no IMAGE given (bringup run IMAGE [options]; a boot-sector disk can be given with --disk alone)');
  }
  if ((options.gdbWait || options.gdbAllowRemote) && options.gdb === undefined) throw new UsageError(`${options.gdbWait ? '--gdb-wait' : '--gdb-allow-remote'} needs --gdb [HOST:]PORT`);
  if (options.gdb !== undefined && !isLoopbackHost(options.gdb.host) && !options.gdbAllowRemote) {
    throw new UsageError(`--gdb ${options.gdb.host}:${options.gdb.port} would let other machines control this one; add --gdb-allow-remote if that is meant (the default host is ${DEFAULT_GDB_HOST})`);
  }
  if (options.gdb !== undefined && options.maxInstructions !== undefined) throw new UsageError('--max-instructions cannot be combined with --gdb (the debugger decides how far the machine runs; --timeout still applies)');
  if (options.diskWritable && options.disks.length === 0) throw new UsageError('--disk-writable needs a --disk FILE to write to');
  if (options.initrd !== undefined && options.boot !== 'auto' && options.boot !== 'linux' && options.boot !== 'pvh') {
    throw new UsageError(`--initrd needs --boot linux or pvh (the Linux boot protocol's ramdisk, or the first PVH module), not ${options.boot}`);
  }
  if (options.modules.length > 0 && options.boot !== 'auto' && options.boot !== 'multiboot' && options.boot !== 'pvh') {
    throw new UsageError(`--module needs --boot multiboot or pvh (modules are passed in their boot information), not ${options.boot}`);
  }
  return options;
}

function setImage(options: RunOptions, path: string): void {
  if (options.image !== undefined) throw new UsageError(`more than one IMAGE given ('${options.image}' and '${path}')`);
  options.image = nonEmpty('IMAGE', path);
}

function nonEmpty(what: string, value: string): string {
  if (value === '') throw new UsageError(`${what} must not be empty`);
  return value;
}
