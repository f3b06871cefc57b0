/**
 * Builds xv6-public from the guest kit the project tests against (the
 * published tarball plus its two patches, see its README) into a cache
 * keyed by the kit's contents, so repeated test runs reuse the images.
 * The kit is looked for in BRINGUP_XV6_DIR, else ../shared/guests/xv6 next
 * to the checkout; without it (or without gcc -m32/make/perl), the tests
 * that need xv6 are skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const KIT_FILES = ['xv6-public.tar.gz', 'xv6-nowerror.patch', 'xv6-iput-deadlock.patch'];

export interface Xv6Images {
  /** Boot disk: boot block + kernel (xv6.img). */
  xv6Img: string;
  /** Root file system (fs.img). */
  fsImg: string;
}

export type Xv6Build = { ok: true; images: Xv6Images } | { ok: false; reason: string };

export function xv6KitDir(): string {
  return process.env.BRINGUP_XV6_DIR ?? resolve(ROOT, '..', 'shared', 'guests', 'xv6');
}

let cached: Xv6Build | undefined;

/** Build (once per cache key) and return the image paths, or why they cannot be had here. */
export function buildXv6(): Xv6Build {
  cached ??= build();
  return cached;
}

function build(): Xv6Build {
  const kit = xv6KitDir();
  const missing = KIT_FILES.filter((f) => !existsSync(join(kit, f)));
  if (missing.length > 0) return { ok: false, reason: `xv6 guest kit not found (${kit} lacks ${missing.join(', ')}; set BRINGUP_XV6_DIR)` };
  const hash = createHash('sha256');
  for (const f of KIT_FILES) hash.update(f).update(readFileSync(join(kit, f)));
  const key = hash.digest('hex').slice(0, 16);
  const cacheDir = join(ROOT, '.bringup-tmp', 'guests', `xv6-${key}`);
  const images = { xv6Img: join(cacheDir, 'xv6.img'), fsImg: join(cacheDir, 'fs.img') };
  if (existsSync(images.xv6Img) && existsSync(images.fsImg)) return { ok: true, images };

  const work = `${cacheDir}.building-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const run = (what: string, cmd: string, args: string[], cwd: string, input?: Buffer): string | undefined => {
    const r = spawnSync(cmd, args, { cwd, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.error !== undefined) return `${what}: ${cmd} cannot run (${r.error.message})`;
    if (r.status !== 0) return `${what} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`;
    return undefined;
  };
  const fail = (reason: string): Xv6Build => {
    rmSync(work, { recursive: true, force: true });
    return { ok: false, reason };
  };
  let problem = run('unpacking xv6-public.tar.gz', 'tar', ['xzf', join(kit, 'xv6-public.tar.gz')], work);
  if (problem !== undefined) return fail(problem);
  const top = readdirSync(work).find((n) => existsSync(join(work, n, 'Makefile')));
  if (top === undefined) return fail('xv6-public.tar.gz holds no directory with a Makefile');
  const src = join(work, top);
  for (const patch of KIT_FILES.slice(1)) {
    problem = run(`applying ${patch}`, 'patch', ['-p0', '-s'], src, readFileSync(join(kit, patch)));
    if (problem !== undefined) return fail(problem);
  }
  problem = run('make xv6.img fs.img (needs gcc -m32, binutils, perl)', 'make', ['-s', 'xv6.img', 'fs.img'], src);
  if (problem !== undefined) return fail(problem);
  mkdirSync(cacheDir, { recursive: true });
  renameSync(join(src, 'xv6.img'), images.xv6Img);
  renameSync(join(src, 'fs.img'), images.fsImg);
  rmSync(work, { recursive: true, force: true });
  return { ok: true, images };
}
