// Assembles every test/guests/*.asm with NASM into test/guests/build/*.bin
// (flat binaries; each source says where it is loaded). Always reassembles:
// it takes well under a second and %include dependencies need no tracking.
// Skips, with a note, when nasm is not installed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = 'test/guests';
const out = join(dir, 'build');
if (!existsSync(dir)) process.exit(0);
const probe = spawnSync('nasm', ['-v'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.warn('nasm not found: guest images not rebuilt');
  process.exit(0);
}
mkdirSync(out, { recursive: true });
for (const name of readdirSync(dir).filter((n) => n.endsWith('.asm')).sort()) {
  const source = join(dir, name);
  const target = join(out, name.replace(/\.asm$/, '.bin'));
  const result = spawnSync('nasm', ['-f', 'bin', '-I', `${dir}/`, '-o', target, source], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`nasm failed on ${source}`);
    process.exit(1);
  }
}
