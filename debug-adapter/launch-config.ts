/**
 * The `bringup` launch configuration: validation with messages that name the
 * field and the fix, then a plain LaunchConfig the controller uses. The
 * attribute names and the event-filter ids are a user-facing contract.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseSize } from '../cli/size';
import { MAX_CPUS } from '../emulator/machine/machine';
import { EVENT_FILTER_IDS, type EventFilterId } from './event-filters';

export type SchedulerLocking = 'off' | 'step' | 'on';
const BOOTS = ['auto', 'bootsector', 'multiboot', 'pvh', 'elf', 'linux'] as const;
export type BootName = (typeof BOOTS)[number];

export interface SymbolFileSpec {
  path: string;
  /** Added to every address in the file (code copied elsewhere as a whole). */
  offset?: number;
  /** Sections mapped to the run-time address they execute at (a trampoline linked high, copied to 0x8000). */
  sections?: { name: string; address: number }[];
  /**
   * Place the file where the first STARTUP IPI starts an AP: this symbol's
   * link-time address runs at the vector's page (vector << 12, SDM Vol. 3A
   * 11.4.4.1), wherever the kernel chose to copy its trampoline (Linux picks
   * a free page below 1 MiB at boot).
   */
  atStartupVector?: string;
}

export interface LaunchConfig {
  image: string;
  imageBytes: Uint8Array;
  boot: BootName;
  cpus: number;
  memorySize: number;
  disk?: Uint8Array;
  /** `disks`: primary master and slave (as `bringup run --disk A --disk B`); when given, `disk` is its first entry. */
  disks?: Uint8Array[];
  cmdline?: string;
  modules: { data: Uint8Array; string: string; path: string }[];
  /** `initrd`: the Linux boot protocol's ramdisk, or the first PVH module. */
  initrd?: Uint8Array;
  symbolFiles: SymbolFileSpec[];
  stopOnEntry: boolean;
  stopOnEvents: EventFilterId[];
  schedulerLocking: SchedulerLocking;
  seed: number;
  quantum?: number;
  /** Machine-event trace classes echoed to the Debug Console (as `bringup run --trace` prints them). */
  traceEvents: string[];
  /** COM1 interrupt gating: "none" (QEMU, default) or "out2" (real PC boards). */
  serialIrqGate: 'none' | 'out2';
}

export class LaunchConfigError extends Error {}

function fail(field: string, problem: string, fix: string): never {
  throw new LaunchConfigError(`launch configuration: "${field}" ${problem}. ${fix}`);
}

function readFile(field: string, path: string, cwd: string): { path: string; bytes: Uint8Array } {
  const full = isAbsolute(path) ? path : resolve(cwd, path);
  let isFile = false;
  try {
    isFile = statSync(full).isFile();
  } catch {
    fail(field, `names "${full}", which does not exist`, 'Point it at the kernel ELF or disk image to boot (relative paths are taken from the workspace folder).');
  }
  if (!isFile) fail(field, `names "${full}", which is not a file`, 'Give the path of an image file, not a directory.');
  return { path: full, bytes: new Uint8Array(readFileSync(full)) };
}

function integer(args: Record<string, unknown>, field: string, min: number, max: number, fallback: number): number {
  const v = args[field];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(field, `must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`, `For example "${field}": ${fallback}.`);
  return v;
}

function address(field: string, v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v.trim())) {
    const n = Number(v.trim());
    if (n <= 0xffffffff) return n;
  }
  fail(field, `must be an address from 0 to 0xFFFFFFFF as a number or a "0x..." string (got ${JSON.stringify(v)})`, 'For example "0x8000".');
}

/** A symbol file offset: an address, or its negation ("-0xc0000000": a kernel linked high, running at its physical address). */
function offsetValue(field: string, v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v < 0 && v >= -0xffffffff) return v;
  if (typeof v === 'string' && /^\s*-\s*(0x[0-9a-f]+|\d+)\s*$/i.test(v)) {
    const n = Number(v.replace(/[\s-]/g, ''));
    if (n <= 0xffffffff) return -n;
  }
  if (typeof v === 'string' || typeof v === 'number') {
    if (!(typeof v === 'string' && v.trim().startsWith('-'))) return address(field, v);
  }
  fail(field, `must be an offset from -0xFFFFFFFF to 0xFFFFFFFF as a number or a "0x..."/"-0x..." string (got ${JSON.stringify(v)})`, 'For example "0x8000", or "-0xc0000000" for a kernel linked at 0xC0000000 + its physical address.');
}

/** Validate raw launch arguments; `cwd` resolves relative paths (the workspace folder). */
export function parseLaunchConfig(args: Record<string, unknown>, cwd: string): LaunchConfig {
  if (typeof args.image !== 'string' || args.image.length === 0) {
    fail('image', 'is missing', 'Add "image": "${workspaceFolder}/path/to/kernel.elf" (an ELF kernel, a multiboot or PVH image, or a boot-sector disk image).');
  }
  const image = readFile('image', args.image, cwd);
  if (image.bytes.length === 0) fail('image', `names "${image.path}", which is empty`, 'Build the kernel first.');

  const boot = args.boot ?? 'auto';
  if (typeof boot !== 'string' || !(BOOTS as readonly string[]).includes(boot)) fail('boot', `must be one of ${BOOTS.join(', ')} (got ${JSON.stringify(boot)})`, 'Use "auto" to let Bringup detect the protocol.');

  const cpus = integer(args, 'cpus', 1, MAX_CPUS, 1);
  let memorySize = 128 * 1024 * 1024;
  if (args.memory !== undefined) {
    const parsed = typeof args.memory === 'string' ? parseSize(args.memory) : typeof args.memory === 'number' ? args.memory * 1024 * 1024 : undefined;
    if (parsed === undefined || parsed < 2 * 1024 * 1024 || parsed > 3 * 1024 * 1024 * 1024) {
      fail('memory', `must be a size from 2M to 3G such as "128M" or "1G" (got ${JSON.stringify(args.memory)})`, 'A number is taken as MiB.');
    }
    memorySize = parsed;
  }
  let disk: Uint8Array | undefined;
  if (args.disk !== undefined) {
    if (typeof args.disk !== 'string') fail('disk', 'must be a path string', 'For example "disk": "${workspaceFolder}/disk.img".');
    disk = readFile('disk', args.disk, cwd).bytes;
  }
  let disks: Uint8Array[] | undefined;
  if (args.disks !== undefined) {
    if (!Array.isArray(args.disks) || args.disks.length === 0 || args.disks.length > 2 || args.disks.some((d) => typeof d !== 'string')) {
      fail('disks', 'must be a list of one or two disk image paths (primary master, then slave)', 'For example "disks": ["${workspaceFolder}/xv6.img", "${workspaceFolder}/fs.img"].');
    }
    if (disk !== undefined) fail('disks', 'cannot be combined with "disk"', 'Give every disk in "disks" (the first is the primary master).');
    disks = (args.disks as string[]).map((d, i) => readFile(`disks[${i}]`, d, cwd).bytes);
    disk = disks[0];
  }
  if (args.cmdline !== undefined && typeof args.cmdline !== 'string') fail('cmdline', 'must be a string', 'For example "cmdline": "ap=sipi".');
  const modules: LaunchConfig['modules'] = [];
  if (args.modules !== undefined) {
    if (!Array.isArray(args.modules)) fail('modules', 'must be an array', 'For example "modules": [{ "path": "initrd.img", "string": "initrd" }].');
    args.modules.forEach((m, i) => {
      const spec = typeof m === 'string' ? { path: m } : m;
      if (typeof spec !== 'object' || spec === null || typeof (spec as { path?: unknown }).path !== 'string') fail(`modules[${i}]`, 'must be a path or { "path": ..., "string": ... }', 'Give each module file.');
      const { path, string } = spec as { path: string; string?: unknown };
      const file = readFile(`modules[${i}].path`, path, cwd);
      modules.push({ data: file.bytes, string: typeof string === 'string' ? string : path, path: file.path });
    });
  }
  let initrd: Uint8Array | undefined;
  if (args.initrd !== undefined) {
    if (typeof args.initrd !== 'string') fail('initrd', 'must be a path string', 'For example "initrd": "${workspaceFolder}/initramfs.cpio.gz".');
    initrd = readFile('initrd', args.initrd, cwd).bytes;
  }
  const symbolFiles: SymbolFileSpec[] = [];
  if (args.symbolFiles !== undefined) {
    if (!Array.isArray(args.symbolFiles)) fail('symbolFiles', 'must be an array', 'For example "symbolFiles": [{ "path": "kernel.elf" }, { "path": "trampoline.elf", "offset": "0x8000" }].');
    args.symbolFiles.forEach((f, i) => {
      const spec = typeof f === 'string' ? { path: f } : f;
      if (typeof spec !== 'object' || spec === null || typeof (spec as { path?: unknown }).path !== 'string') fail(`symbolFiles[${i}]`, 'must be a path or { "path": ..., "offset"?: ..., "sections"?: [...] }', 'Name the ELF file with debug information.');
      const s = spec as { path: string; offset?: unknown; sections?: unknown; atStartupVector?: unknown };
      const file = readFile(`symbolFiles[${i}].path`, s.path, cwd);
      const entry: SymbolFileSpec = { path: file.path };
      if (s.offset !== undefined) entry.offset = offsetValue(`symbolFiles[${i}].offset`, s.offset);
      if (s.atStartupVector !== undefined) {
        if (typeof s.atStartupVector !== 'string' || s.atStartupVector === '') fail(`symbolFiles[${i}].atStartupVector`, 'must be the name of a symbol in the file', 'For example "atStartupVector": "trampoline_start" places Linux\'s realmode.elf where the first STARTUP IPI starts the AP.');
        if (s.offset !== undefined || s.sections !== undefined) fail(`symbolFiles[${i}].atStartupVector`, 'cannot be combined with "offset" or "sections"', 'The offset follows from the STARTUP vector; drop "offset" and "sections".');
        entry.atStartupVector = s.atStartupVector;
      }
      if (s.sections !== undefined) {
        if (!Array.isArray(s.sections)) fail(`symbolFiles[${i}].sections`, 'must be an array of { "name": ".trampoline", "address": "0x8000" }', 'Map each relocated section to where it runs.');
        entry.sections = s.sections.map((sec, j) => {
          const sp = sec as { name?: unknown; address?: unknown };
          if (typeof sp?.name !== 'string') fail(`symbolFiles[${i}].sections[${j}].name`, 'must be a section name', 'For example ".trampoline".');
          return { name: sp.name, address: address(`symbolFiles[${i}].sections[${j}].address`, sp.address) };
        });
      }
      symbolFiles.push(entry);
    });
  }
  if (args.stopOnEntry !== undefined && typeof args.stopOnEntry !== 'boolean') fail('stopOnEntry', 'must be true or false', 'For example "stopOnEntry": true.');
  const stopOnEvents: EventFilterId[] = [];
  if (args.stopOnEvents !== undefined) {
    if (!Array.isArray(args.stopOnEvents)) fail('stopOnEvents', 'must be an array of event filter ids', `Valid ids: ${EVENT_FILTER_IDS.join(', ')}.`);
    for (const id of args.stopOnEvents) {
      if (typeof id !== 'string' || !(EVENT_FILTER_IDS as readonly string[]).includes(id)) fail('stopOnEvents', `contains unknown event filter ${JSON.stringify(id)}`, `Valid ids: ${EVENT_FILTER_IDS.join(', ')}.`);
      stopOnEvents.push(id as EventFilterId);
    }
  }
  const locking = args.schedulerLocking ?? 'step';
  if (locking !== 'off' && locking !== 'step' && locking !== 'on') fail('schedulerLocking', `must be "off", "step" or "on" (got ${JSON.stringify(locking)})`, 'As in GDB: "step" keeps other vCPUs still while you step, "on" also while you continue one vCPU.');
  const seed = integer(args, 'seed', 0, 0xffffffff, 1);
  const traceClasses = ['ipi', 'modes', 'exceptions', 'boot', 'paravirt', 'io', 'memory', 'run'];
  let traceEvents: string[] = [];
  if (args.traceEvents !== undefined) {
    if (!Array.isArray(args.traceEvents) || args.traceEvents.some((t) => typeof t !== 'string' || (t !== 'all' && !traceClasses.includes(t)))) {
      fail('traceEvents', `must be an array of trace classes (${traceClasses.join(', ')}, all)`, 'For example "traceEvents": ["ipi", "modes"].');
    }
    traceEvents = (args.traceEvents as string[]).includes('all') ? traceClasses : (args.traceEvents as string[]);
  }
  const quantum = args.quantum === undefined ? undefined : integer(args, 'quantum', 1, 1_000_000, 200);
  const serialIrqGate = args.serialIrqGate ?? 'none';
  if (serialIrqGate !== 'none' && serialIrqGate !== 'out2') {
    fail('serialIrqGate', `must be "none" or "out2" (got ${JSON.stringify(serialIrqGate)})`, '"none" delivers COM1 interrupts as QEMU does; "out2" only while the guest sets MCR.OUT2, as real hardware.');
  }
  return {
    image: image.path,
    imageBytes: image.bytes,
    boot: boot as BootName,
    cpus,
    memorySize,
    disk,
    disks,
    cmdline: args.cmdline as string | undefined,
    modules,
    initrd,
    symbolFiles,
    stopOnEntry: args.stopOnEntry === true,
    stopOnEvents,
    schedulerLocking: locking,
    seed,
    quantum,
    traceEvents,
    serialIrqGate,
  };
}
