/**
 * The Linux i386 kernel of the real-guest tests, built (once, cached under
 * .bringup-tmp/linux) by scripts/build-linux-i386.sh from Debian's
 * linux-source-6.1; or why it cannot be built here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export interface LinuxImages {
  bzImage: string;
  vmlinux: string;
  /** arch/x86/realmode/rm/realmode.elf: the real-mode blob (AP trampoline) the kernel copies below 1 MiB. */
  realmode: string;
}

export type LinuxBuild = { ok: true; images: LinuxImages } | { ok: false; reason: string };

let cached: LinuxBuild | undefined;

export function buildLinuxI386(): LinuxBuild {
  cached ??= build();
  return cached;
}

function build(): LinuxBuild {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'build-linux-i386.sh')], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status === 3) return { ok: false, reason: r.stderr.trim() };
  if (r.status !== 0) return { ok: false, reason: `scripts/build-linux-i386.sh failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-8).join(' | ')}` };
  const out = r.stdout.trim().split('\n').pop() ?? '';
  const images = { bzImage: join(out, 'bzImage'), vmlinux: join(out, 'vmlinux'), realmode: join(out, 'realmode.elf') };
  if (!existsSync(images.bzImage) || !existsSync(images.vmlinux) || !existsSync(images.realmode)) return { ok: false, reason: `the build left no bzImage/vmlinux/realmode.elf in ${out}` };
  return { ok: true, images };
}
