import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import type { CliIo } from '../../cli/cli-io';

const root = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'bringup-cli-'));
const guests: Record<string, string> = {};

/** Run the CLI in-process with captured output; stdin bytes are delivered at start, then EOF. */
async function cli(argv: string[], stdin?: string): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (d) => (stdout += typeof d === 'string' ? d : Buffer.from(d).toString('latin1')),
    stderr: (t) => (stderr += t),
    stdin: (onData, onEnd) => {
      if (stdin !== undefined) onData(Buffer.from(stdin, 'latin1'));
      onEnd();
      return () => {};
    },
  };
  const status = await main(argv, io);
  return { status, stdout, stderr };
}

describe('bringup CLI', function () {
  before(function () {
    const nasm = spawnSync('nasm', ['-v']);
    if (nasm.status !== 0) throw new Error('nasm is needed to assemble the CLI test guests (apt-get install nasm)');
    for (const name of readdirSync(join(__dirname, 'guests')).filter((n) => n.endsWith('.asm'))) {
      const out = join(work, name.replace(/\.asm$/, '.bin'));
      const r = spawnSync('nasm', ['-f', 'bin', '-o', out, join(__dirname, 'guests', name)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      guests[name.replace(/\.asm$/, '')] = out;
    }
  });

  describe('usage errors: status 64 and one line on stderr', () => {
    const cases: [string, string[], RegExp][] = [
      ['no command', [], /no command given/],
      ['unknown command', ['boot'], /unknown command 'boot'/],
      ['missing image file', ['run', join(work, 'absent.elf')], /cannot read IMAGE .*absent\.elf': no such file/],
      ['image is a directory', ['run', work], /cannot read IMAGE .*: is a directory/],
      ['missing disk file', ['run', '--disk', join(work, 'absent.img')], /cannot read --disk .*: no such file/],
      ['bad option', ['run', 'x', '--cpus', 'lots'], /--cpus expects an integer/],
    ];
    for (const [what, argv, pattern] of cases) {
      it(what, async () => {
        const r = await cli(argv);
        assert.equal(r.status, 64);
        assert.match(r.stderr, pattern);
        assert.equal(r.stderr.trim().split('\n')[0].startsWith('bringup: '), true);
        assert.equal(r.stdout, '');
      });
    }

    it('an image that is no boot format at all', async () => {
      const junk = join(work, 'junk.bin');
      writeFileSync(junk, Buffer.alloc(300, 0x41));
      const r = await cli(['run', junk]);
      assert.equal(r.status, 64);
      assert.match(r.stderr, /^bringup: .+\n$/);
    });

    it('a non-ELF image with --boot pvh', async () => {
      const r = await cli(['run', guests['halt'], '--boot', 'pvh']);
      assert.equal(r.status, 64);
      assert.match(r.stderr, /PVH boot needs an ELF kernel/);
    });

    it('a Multiboot request for an image without the header', async () => {
      const r = await cli(['run', guests['halt'], '--boot', 'multiboot']);
      assert.equal(r.status, 64);
      assert.match(r.stderr, /no Multiboot header/);
    });

    it('an ELF whose segments do not fit in --memory', async () => {
      const big = join(work, 'big.elf');
      writeFileSync(big, elfWithSegment(0x100000, 64 * 1024 * 1024));
      const r = await cli(['run', big, '--boot', 'elf', '--memory', '16M']);
      assert.equal(r.status, 64);
      assert.match(r.stderr, /^bringup: .*(RAM|memory)/);
    });

    it('--help prints the usage and succeeds', async () => {
      const r = await cli(['--help']);
      assert.equal(r.status, 0);
      assert.match(r.stdout, /bringup run IMAGE/);
    });
  });

  describe('exit statuses of real runs', () => {
    it('isa-debug-exit value 5 ends with status 11, and 0xE9 and COM1 output reach stdout', async () => {
      const r = await cli(['run', guests['exit-value']]);
      assert.equal(r.stdout, 'debug console\nserial line\n');
      assert.equal(r.status, 11);
    });

    it('every vCPU halted with interrupts disabled ends with status 0', async () => {
      const r = await cli(['run', guests['halt'], '--cpus', '2']);
      assert.equal(r.stdout, 'H');
      assert.equal(r.status, 0);
    });

    it('a triple fault ends with status 2 and a register dump on stderr', async () => {
      const r = await cli(['run', guests['triple-fault']]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /vCPU 0 triple-faulted/);
      assert.match(r.stderr, /EAX=00001234 EBX=00005678/);
      assert.match(r.stderr, /IDT=\s+00000000 00000000/);
    });

    it('--max-instructions ends a spinning guest with status 124 after exactly that many instructions', async () => {
      const json = join(work, 'spin.json');
      const r = await cli(['run', guests['spin'], '--max-instructions', '12345', '--json', json]);
      assert.equal(r.status, 124);
      assert.match(r.stderr, /stopped after 12345 instructions/);
      const summary = JSON.parse(readFileSync(json, 'utf8'));
      assert.equal(summary.instructions.total, 12345);
      assert.equal(summary.exit.reason, 'instruction-limit');
    });

    it('--timeout ends a spinning guest with status 124', async () => {
      const r = await cli(['run', guests['spin'], '--timeout', '0.3']);
      assert.equal(r.status, 124);
      assert.match(r.stderr, /--timeout/);
    });

    it('a machine that waits for an interrupt nothing can send ends with status 124 and says why', async () => {
      const r = await cli(['run', guests['deadlock'], '--timeout', '20']);
      assert.equal(r.status, 124);
      assert.match(r.stderr, /every vCPU waits/);
    });

    it('stdin feeds COM1: the echo guest upper-cases a line and exits', async () => {
      const r = await cli(['run', guests['echo']], 'hello, ap 1\n');
      assert.equal(r.stdout, 'HELLO, AP 1\n');
      assert.equal(r.status, 1);
    });

    it('end of stdin is not an error: the guest just sees no more input', async () => {
      const r = await cli(['run', guests['echo'], '--max-instructions', '200000'], 'ab');
      assert.equal(r.stdout, 'AB');
      assert.equal(r.status, 124);
      assert.doesNotMatch(r.stderr, /stdin|input/i);
    });
  });

  describe('--screen', () => {
    it('writes the final VGA text screen as UTF-8 (CP437 mapped), one line per row', async () => {
      const file = join(work, 'screen.txt');
      const r = await cli(['run', guests['screen'], '--screen', file]);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, 'hello, screen\r\n', 'teletype also reaches COM1');
      const lines = readFileSync(file, 'utf8').split('\n');
      assert.equal(lines.length, 26, '25 rows and a final newline');
      assert.deepEqual(lines.slice(0, 3), ['hello, screen', '', '╔═╗']);
    });

    it('an unwritable --screen file is a usage error after the run', async () => {
      const r = await cli(['run', guests['screen'], '--screen', join(work, 'no', 'such', 'dir', 'screen.txt')]);
      assert.equal(r.status, 64);
      assert.match(r.stderr, /cannot write --screen file/);
    });
  });

  describe('--json and --trace', () => {
    it('writes the documented summary shape', async () => {
      const json = join(work, 'halt.json');
      const r = await cli(['run', guests['halt'], '--cpus', '3', '--json', json]);
      assert.equal(r.status, 0);
      const s = JSON.parse(readFileSync(json, 'utf8'));
      assert.equal(s.format, 'bringup-run-summary');
      assert.equal(s.version, 1);
      assert.equal(s.exit.reason, 'all-halted');
      assert.equal(s.exit.status, 0);
      assert.equal(s.boot.protocol, 'bootsector');
      assert.equal(s.cpus, 3);
      assert.equal(s.instructions.perCpu.length, 3);
      assert.ok(s.instructions.perCpu[0] > 0);
      assert.equal(s.instructions.perCpu[1], 0, 'APs never started');
      assert.equal(s.registers.length, 3);
      assert.equal(s.registers[0].cs.selector, 0);
      assert.equal(s.registers[1].activity, 'wait-for-sipi');
      assert.ok(Array.isArray(s.ipis));
    });

    it('prints trace lines prefixed by virtual time and vCPU on stderr, keeping stdout clean', async () => {
      const r = await cli(['run', guests['triple-fault'], '--trace', 'exceptions,boot']);
      assert.equal(r.stdout, '');
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('['));
      assert.ok(lines.some((l) => /^\[\s*\d+\.\d{9}\] machine boot\s+.*bootsector/.test(l)), r.stderr);
      assert.ok(lines.some((l) => /^\[\s*\d+\.\d{9}\] vCPU 0\s+exceptions\s+/.test(l)), r.stderr);
    });

    it('the same image and seed give the same run; the summary is identical', async () => {
      const a = join(work, 'a.json');
      const b = join(work, 'b.json');
      await cli(['run', guests['spin'], '--cpus', '2', '--max-instructions', '50000', '--json', a, '--seed', '9']);
      await cli(['run', guests['spin'], '--cpus', '2', '--max-instructions', '50000', '--json', b, '--seed', '9']);
      assert.deepEqual(JSON.parse(readFileSync(a, 'utf8')), JSON.parse(readFileSync(b, 'utf8')));
    });
  });

  describe('as a process (bin/bringup.js over dist/cli.js)', () => {
    const bin = join(root, 'bin', 'bringup.js');
    before(function () {
      if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/cli.js missing: npm test builds it first (npm run build)');
    });

    it('streams guest output byte for byte and exits with the guest status', () => {
      const r = spawnSync(process.execPath, [bin, 'run', guests['exit-value']], { encoding: 'latin1' });
      assert.equal(r.stdout, 'debug console\nserial line\n');
      assert.equal(r.status, 11);
    });

    it('a reader that closes the pipe early (| head -1) is not an error', () => {
      const sample = join(root, 'samples', 'smp-demo', 'smp-demo.elf');
      const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" run "${sample}" --cpus 2 | head -1`], { encoding: 'latin1' });
      assert.match(r.stdout, /^smp-demo: 2 CPUs \(MADT\), boot via multiboot, ap=sipi\r?\n$/);
      assert.equal(r.stderr, '');
    });

    it('feeds piped stdin to COM1', () => {
      const r = spawnSync(process.execPath, [bin, 'run', guests['echo']], { input: 'pipe\n', encoding: 'latin1' });
      assert.equal(r.stdout, 'PIPE\n');
      assert.equal(r.status, 1);
    });

    it('exits 64 with one line for bad arguments', () => {
      const r = spawnSync(process.execPath, [bin, 'run', '--cpus', '0', 'x'], { encoding: 'utf8' });
      assert.equal(r.status, 64);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });
  });
});

/** A minimal ELF32 executable with one PT_LOAD segment of `memsz` bytes at `paddr` (for the too-big case). */
function elfWithSegment(paddr: number, memsz: number): Buffer {
  const b = Buffer.alloc(0x100);
  b.write('\x7fELF', 0, 'latin1');
  b[4] = 1; // ELFCLASS32
  b[5] = 1; // little endian
  b[6] = 1;
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(3, 18); // EM_386
  b.writeUInt32LE(1, 20);
  b.writeUInt32LE(paddr, 24); // e_entry
  b.writeUInt32LE(0x34, 28); // e_phoff
  b.writeUInt16LE(0x34, 40); // e_ehsize
  b.writeUInt16LE(0x20, 42); // e_phentsize
  b.writeUInt16LE(1, 44); // e_phnum
  b.writeUInt16LE(0x28, 46); // e_shentsize
  const ph = 0x34;
  b.writeUInt32LE(1, ph); // PT_LOAD
  b.writeUInt32LE(0x80, ph + 4); // p_offset
  b.writeUInt32LE(paddr, ph + 8);
  b.writeUInt32LE(paddr, ph + 12);
  b.writeUInt32LE(0x10, ph + 16); // p_filesz
  b.writeUInt32LE(memsz, ph + 20);
  b.writeUInt32LE(5, ph + 24);
  b.writeUInt32LE(0x1000, ph + 28);
  b.fill(0xf4, 0x80, 0x90);
  return b;
}
