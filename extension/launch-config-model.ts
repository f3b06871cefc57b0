/**
 * Launch configuration checks and defaults (no vscode import): the
 * configuration provider calls these, the unit tests too.
 */
import * as path from 'node:path';

export const BOOT_PROTOCOLS = ['auto', 'bootsector', 'multiboot', 'pvh', 'elf', 'linux'] as const;
export const SCHEDULER_LOCKING = ['off', 'step', 'on'] as const;
export const EVENT_FILTERS = ['init-ipi', 'startup-ipi', 'ipi-sent', 'ipi-received', 'pv-startup-state', 'pv-vcpu-up', 'pv-refused', 'pv-stale-state', 'cr0-pe', 'cr0-pg', 'exception', 'triple-fault', 'port-io', 'invalid-opcode', 'v86'] as const;

export interface LaunchProblem {
  field: string;
  message: string;
}

export interface FileSystemProbe {
  isFile(p: string): boolean;
}

type Config = Record<string, unknown>;

/** Make a path absolute against the workspace folder (after ${workspaceFolder} substitution by VS Code). */
export function resolvePath(p: string, workspaceFolder: string | undefined): string {
  let s = p;
  if (workspaceFolder) s = s.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  if (s.startsWith('~/') && process.env.HOME) s = path.join(process.env.HOME, s.slice(2));
  if (!path.isAbsolute(s) && workspaceFolder) s = path.join(workspaceFolder, s);
  return path.normalize(s);
}

/** Resolve every path attribute in place (image, disk, disks, modules, symbolFiles[].path). */
export function resolvePaths(config: Config, workspaceFolder: string | undefined): Config {
  const out: Config = { ...config };
  for (const key of ['image', 'disk', 'initrd'] as const) {
    if (typeof out[key] === 'string' && out[key] !== '') out[key] = resolvePath(out[key] as string, workspaceFolder);
  }
  if (Array.isArray(out.disks)) out.disks = out.disks.map((d) => (typeof d === 'string' && d !== '' ? resolvePath(d, workspaceFolder) : d));
  if (Array.isArray(out.modules)) {
    out.modules = out.modules.map((m) => {
      if (typeof m === 'string') return resolvePath(m, workspaceFolder);
      if (m && typeof m === 'object' && typeof (m as Config).path === 'string') return { ...(m as Config), path: resolvePath((m as Config).path as string, workspaceFolder) };
      return m;
    });
  }
  if (Array.isArray(out.symbolFiles)) {
    out.symbolFiles = out.symbolFiles.map((s) => {
      if (typeof s === 'string') return { path: resolvePath(s, workspaceFolder) };
      if (s && typeof s === 'object' && typeof (s as Config).path === 'string') return { ...(s as Config), path: resolvePath((s as Config).path as string, workspaceFolder) };
      return s;
    });
  }
  return out;
}

const IMAGE_EXTENSIONS = ['.elf', '.img', '.bin', '.iso', '.raw', ''];
const SOURCE_EXTENSIONS = ['.c', '.h', '.asm', '.nasm', '.inc', '.s', '.S'];

/** The image to debug when there is no launch.json: the active file if it is an image, else an ELF next to the active source. */
export function pickImageForActiveFile(activeFile: string | undefined, siblings: readonly string[]): string | undefined {
  if (!activeFile) return undefined;
  const ext = path.extname(activeFile);
  if (IMAGE_EXTENSIONS.includes(ext.toLowerCase()) && !SOURCE_EXTENSIONS.includes(ext)) return activeFile;
  if (!SOURCE_EXTENSIONS.includes(ext)) return undefined;
  const dir = path.dirname(activeFile);
  const elfs = siblings.filter((s) => s.toLowerCase().endsWith('.elf')).sort();
  if (elfs.length > 0) return path.join(dir, elfs[0]);
  const imgs = siblings.filter((s) => s.toLowerCase().endsWith('.img')).sort();
  if (imgs.length > 0) return path.join(dir, imgs[0]);
  return undefined;
}

/** Defaults for a session started with no launch.json. */
export function defaultConfigFor(image: string): Config {
  return {
    type: 'bringup',
    request: 'launch',
    name: `Bringup: ${path.basename(image)}`,
    image,
    boot: 'auto',
    cpus: 4,
    memory: '128M',
    schedulerLocking: 'step',
    stopOnEntry: false,
    // Where SMP bring-up starts; the filter shows ticked in the Breakpoints view and can be unticked there.
    stopOnEvents: ['startup-ipi'],
  };
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Same limit as the adapter (emulator MAX_CPUS). */
export const MAX_CPUS = 255;
const MIB = 1024 * 1024;

/** "128M", "1G", "512k", "64MiB", or a number of MiB → bytes (the CLI's size syntax). */
export function memoryBytes(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v * MIB : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+)\s*([kKmMgG]?)(i?[bB])?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  if (unit === '' && m[3] === undefined && n < 65536) return n * MIB;
  return n * ({ '': 1, k: 1024, m: MIB, g: 1024 * MIB } as Record<string, number>)[unit];
}

function isAddress(v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  return typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v.trim()) && Number(v.trim()) <= 0xffffffff;
}

/** Every problem, each naming its field and the fix. Paths must be resolved first. */
export function validateLaunchConfig(config: Config, fs: FileSystemProbe): LaunchProblem[] {
  const problems: LaunchProblem[] = [];
  const add = (field: string, message: string): void => { problems.push({ field, message }); };
  const image = config.image;
  if (typeof image !== 'string' || image === '') {
    add('image', '"image" is required: set it to the kernel ELF or disk image to boot, e.g. "${workspaceFolder}/kernel.elf".');
  } else if (!fs.isFile(image)) {
    add('image', `"image" does not name a file: ${image}. Build the kernel first or fix the path.`);
  }
  if (config.boot !== undefined && !BOOT_PROTOCOLS.includes(config.boot as never)) {
    add('boot', `"boot" must be one of ${BOOT_PROTOCOLS.join(', ')} (got ${JSON.stringify(config.boot)}).`);
  }
  if (config.cpus !== undefined && (!isInt(config.cpus) || config.cpus < 1 || config.cpus > MAX_CPUS)) {
    add('cpus', `"cpus" must be a whole number from 1 to ${MAX_CPUS} (got ${JSON.stringify(config.cpus)}).`);
  }
  if (config.memory !== undefined) {
    const bytes = memoryBytes(config.memory);
    if (bytes === undefined || bytes < 2 * MIB || bytes > 3 * 1024 * MIB) add('memory', `"memory" must be a size from 2M to 3G such as "128M" or "1G", or a number of MiB (got ${JSON.stringify(config.memory)}).`);
  }
  if (config.disk !== undefined && config.disk !== '') {
    if (typeof config.disk !== 'string') add('disk', '"disk" must be a path to a raw disk image.');
    else if (!fs.isFile(config.disk)) add('disk', `"disk" does not name a file: ${config.disk}.`);
  }
  if (config.disks !== undefined) {
    if (!Array.isArray(config.disks) || config.disks.length < 1 || config.disks.length > 2) add('disks', '"disks" must be a list of one or two disk image paths (primary master, then slave).');
    else if (config.disk !== undefined && config.disk !== '') add('disks', '"disks" cannot be combined with "disk": list every disk in "disks".');
    else config.disks.forEach((d, i) => {
      if (typeof d !== 'string' || d === '') add(`disks[${i}]`, `"disks[${i}]" must be a path to a raw disk image.`);
      else if (!fs.isFile(d)) add(`disks[${i}]`, `"disks[${i}]" does not name a file: ${d}.`);
    });
  }
  if (config.serialIrqGate !== undefined && config.serialIrqGate !== 'none' && config.serialIrqGate !== 'out2') {
    add('serialIrqGate', `"serialIrqGate" must be "none" (as QEMU) or "out2" (as real hardware) (got ${JSON.stringify(config.serialIrqGate)}).`);
  }
  if (config.initrd !== undefined && config.initrd !== '') {
    if (typeof config.initrd !== 'string') add('initrd', '"initrd" must be a path to an initial ramdisk.');
    else if (!fs.isFile(config.initrd)) add('initrd', `"initrd" does not name a file: ${config.initrd}.`);
  }
  if (config.cmdline !== undefined && typeof config.cmdline !== 'string') add('cmdline', '"cmdline" must be a string.');
  if (config.modules !== undefined) {
    if (!Array.isArray(config.modules)) add('modules', '"modules" must be a list of file paths or { "path", "string" }.');
    else config.modules.forEach((m, i) => {
      const p = typeof m === 'string' ? m : m && typeof m === 'object' && typeof (m as Config).path === 'string' ? (m as Config).path as string : undefined;
      if (p === undefined) add(`modules[${i}]`, `"modules[${i}]" must be a file path or { "path": ..., "string": ... }.`);
      else if (!fs.isFile(p)) add(`modules[${i}]`, `"modules[${i}]" does not name a file: ${p}.`);
    });
  }
  if (config.symbolFiles !== undefined) {
    if (!Array.isArray(config.symbolFiles)) add('symbolFiles', '"symbolFiles" must be a list of { "path", "offset"?, "sections"? }.');
    else config.symbolFiles.forEach((s, i) => {
      const f = `symbolFiles[${i}]`;
      const e = (typeof s === 'string' ? { path: s } : s) as Config;
      if (typeof e !== 'object' || e === null || typeof e.path !== 'string') { add(f, `"${f}" must be a path or an object with a "path".`); return; }
      if (!fs.isFile(e.path as string)) add(`${f}.path`, `"${f}.path" does not name a file: ${e.path as string}.`);
      if (e.offset !== undefined && !isAddress(e.offset)) add(`${f}.offset`, `"${f}.offset" must be an address from 0 to 0xFFFFFFFF, a number or a "0x..." string.`);
      if (e.sections !== undefined) {
        if (!Array.isArray(e.sections)) add(`${f}.sections`, `"${f}.sections" must be a list of { "name", "address" }.`);
        else e.sections.forEach((sec, j) => {
          const g = `${f}.sections[${j}]`;
          if (typeof sec !== 'object' || sec === null || typeof (sec as Config).name !== 'string') add(`${g}.name`, `"${g}.name" must be a section name such as ".trampoline".`);
          else if (!isAddress((sec as Config).address)) add(`${g}.address`, `"${g}.address" must be an address from 0 to 0xFFFFFFFF, a number or a "0x..." string.`);
        });
      }
    });
  }
  if (config.stopOnEntry !== undefined && typeof config.stopOnEntry !== 'boolean') add('stopOnEntry', '"stopOnEntry" must be true or false.');
  if (config.stopOnEvents !== undefined) {
    if (!Array.isArray(config.stopOnEvents)) add('stopOnEvents', `"stopOnEvents" must be a list of event filter ids (${EVENT_FILTERS.join(', ')}).`);
    else config.stopOnEvents.forEach((e, i) => {
      if (!EVENT_FILTERS.includes(e as never)) add(`stopOnEvents[${i}]`, `"stopOnEvents[${i}]" is not an event filter: ${JSON.stringify(e)}. Use one of ${EVENT_FILTERS.join(', ')}.`);
    });
  }
  if (config.schedulerLocking !== undefined && !SCHEDULER_LOCKING.includes(config.schedulerLocking as never)) {
    add('schedulerLocking', `"schedulerLocking" must be "off", "step" or "on" (got ${JSON.stringify(config.schedulerLocking)}).`);
  }
  if (config.seed !== undefined && (!isInt(config.seed) || config.seed < 0 || config.seed > 0xffffffff)) add('seed', `"seed" must be an integer from 0 to 4294967295 (got ${JSON.stringify(config.seed)}).`);
  if (config.quantum !== undefined && (!isInt(config.quantum) || config.quantum < 1 || config.quantum > 1_000_000)) add('quantum', `"quantum" must be a whole number of instructions from 1 to 1000000 (got ${JSON.stringify(config.quantum)}).`);
  return problems;
}

export function formatProblems(problems: readonly LaunchProblem[]): string {
  if (problems.length === 1) return `Bringup launch configuration: ${problems[0].message}`;
  return `Bringup launch configuration has ${problems.length} problems: ${problems.map((p) => p.message).join(' ')}`;
}
