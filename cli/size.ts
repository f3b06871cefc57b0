/**
 * Memory sizes on the command line: a number of bytes, or a number with a
 * binary unit as QEMU's -m accepts (K, M, G, with optional "iB"/"B"). A bare
 * number below 65536 is taken as MiB, as QEMU does, so `--memory 128` works.
 */
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function parseSize(text: string): number | undefined {
  const match = /^(\d+)\s*([kKmMgG]?)(i?[bB])?$/.exec(text.trim());
  if (match === null) return undefined;
  const count = Number(match[1]);
  const unit = match[2].toLowerCase();
  if (unit === '' && match[3] === undefined && count < 65536) return count * UNITS.m;
  return count * UNITS[unit];
}

export function formatSize(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GiB`;
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
