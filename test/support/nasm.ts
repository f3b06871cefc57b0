/**
 * Assemble NASM source text into a flat binary for guest-level tests.
 * Results are cached per source text for the test run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'bringup-nasm-'));
const cache = new Map<string, Uint8Array>();
let counter = 0;

export function nasm(source: string, format: 'bin' | 'elf32' = 'bin'): Uint8Array {
  const key = format + '\n' + source;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const n = counter++;
  const src = join(work, `g${n}.asm`);
  const out = join(work, `g${n}.${format === 'bin' ? 'bin' : 'o'}`);
  writeFileSync(src, source);
  const r = spawnSync('nasm', ['-f', format, '-I', join(__dirname, '..', 'guests') + '/', '-o', out, src], { encoding: 'utf8' });
  if (r.error !== undefined) throw new Error('nasm is needed for guest-level tests (apt-get install nasm)');
  if (r.status !== 0) throw new Error(`nasm failed:\n${r.stderr}`);
  const bytes = new Uint8Array(readFileSync(out));
  cache.set(key, bytes);
  return bytes;
}

/** A 512-byte boot sector: `body` is assembled at 0x7C00 in 16-bit mode and padded, with the 55AA signature. */
export function bootSector(body: string): Uint8Array {
  return nasm(`bits 16\norg 0x7c00\n${body}\ntimes 510-($-$$) db 0\ndw 0xaa55\n`);
}
