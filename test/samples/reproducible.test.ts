/**
 * Reproducible sample builds: where gcc (-m32), nasm and GNU binutils are
 * installed, copy the sample sources to a temporary directory, run
 * samples/build.mjs there, and require every built image to be
 * byte-identical to the committed one. Building elsewhere also proves that
 * no path of the checkout leaks into the images, and the committed files
 * are never touched.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const SAMPLES = resolve(__dirname, '../../samples');

function toolsInstalled(): boolean {
  const probes: [string, string[]][] = [['nasm', ['-v']], ['ld', ['--version']], ['objcopy', ['--version']], ['nm', ['--version']]];
  if (!probes.every(([tool, args]) => spawnSync(tool, args).status === 0)) return false;
  // gcc must be able to build 32-bit code (gcc-multilib).
  const gcc = spawnSync('gcc', ['-m32', '-ffreestanding', '-c', '-x', 'c', '-o', '/dev/null', '-'], { input: 'int x;\n' });
  return gcc.status === 0;
}

/** The committed images: smp-demo.elf, smp-demo.img, trampoline.elf and every bug guest's .elf. */
function images(root: string): string[] {
  const found = ['smp-demo/smp-demo.elf', 'smp-demo/smp-demo.img', 'smp-demo/trampoline.elf'];
  for (const entry of readdirSync(join(root, 'bugs'), { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'lib' || entry.name === 'build') continue;
    if (existsSync(join(root, 'bugs', entry.name, `${entry.name}.asm`))) found.push(`bugs/${entry.name}/${entry.name}.elf`);
  }
  return found;
}

describe('samples: reproducible build', function () {
  this.timeout(300_000);

  it('a rebuild in another directory is byte-identical to the committed images', function () {
    if (!toolsInstalled()) this.skip();
    const tmp = mkdtempSync(join(tmpdir(), 'bringup-samples-'));
    try {
      const copy = join(tmp, 'samples');
      const committed = images(SAMPLES);
      // Sources only: no build/ directories and no images, so the build must make them.
      cpSync(SAMPLES, copy, {
        recursive: true,
        filter: (src) => {
          const rel = relative(SAMPLES, src);
          return !rel.split('/').includes('build') && !committed.includes(rel);
        },
      });
      for (const image of committed) assert.ok(!existsSync(join(copy, image)), `${image} copied`);
      const result = spawnSync(process.execPath, [join(copy, 'build.mjs')], { encoding: 'utf8' });
      assert.equal(result.status, 0, `build.mjs failed:\n${result.stdout}\n${result.stderr}`);
      assert.ok(committed.length >= 9, `images: ${committed.join(', ')}`);
      for (const image of committed) {
        const want = readFileSync(join(SAMPLES, image));
        const got = readFileSync(join(copy, image));
        assert.ok(want.equals(got), `${image}: the rebuild differs from the committed file (${got.length} vs ${want.length} bytes); run npm run build:samples and commit`);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
