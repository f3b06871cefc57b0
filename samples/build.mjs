#!/usr/bin/env node
// Builds the sample guest kernels from source: `npm run build:samples`.
//
// samples/smp-demo/ ->
//   smp-demo.elf  Multiboot + PVH ELF kernel (with DWARF)
//   smp-demo.img  boot sector + flat kernel, for the boot-sector path
//   build/        intermediate files (objects, flat binaries, test variants)
// samples/bugs/<name>/<name>.asm ->
//   <name>.elf    Multiboot ELF kernel (with DWARF), one per bug guest
// samples/bugs/build/  the object files
//
// The build is reproducible: fixed flags, no timestamps, no build IDs,
// paths in debug info rewritten with -ffile-prefix-map, and every tool run
// from the sample's own directory with relative file names.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const samplesDir = dirname(fileURLToPath(import.meta.url));
const dir = join(samplesDir, 'smp-demo');
const build = join(dir, 'build');

// Deterministic environment for every tool.
const env = { ...process.env, LC_ALL: 'C', TZ: 'UTC', SOURCE_DATE_EPOCH: '0' };

function die(message) {
  console.error(`build:samples: ${message}`);
  process.exit(1);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: dir, env, encoding: 'utf8', ...options });
  if (result.error) die(`cannot run ${cmd}: ${result.error.message}`);
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    die(`${cmd} ${args.join(' ')} failed (exit status ${result.status})`);
  }
  if (result.stderr) process.stderr.write(result.stderr);
  return result.stdout;
}

// NASM has no -fdebug-prefix-map: it writes the absolute source directory
// as DW_AT_comp_dir (DW_FORM_string) into its one compile unit. Rewrite it
// to "." in the object file: shorten .debug_info, fix the unit length and
// the relocations behind it. The section keeps its file offset; the freed
// bytes (outside every section) are zeroed. ld only reads sections, so the
// linked ELF no longer depends on where the checkout lives.
function normalizeNasmCompDir(path, dir) {
  const o = readFileSync(path);
  const shoff = o.readUInt32LE(0x20), shentsize = o.readUInt16LE(0x2e);
  const shnum = o.readUInt16LE(0x30), shstrndx = o.readUInt16LE(0x32);
  const sh = (i) => shoff + i * shentsize;
  const strtab = o.readUInt32LE(sh(shstrndx) + 16);
  const nameOf = (i) => {
    const start = strtab + o.readUInt32LE(sh(i));
    return o.toString('latin1', start, o.indexOf(0, start));
  };
  let info = -1, rel = -1;
  for (let i = 0; i < shnum; i++) {
    if (nameOf(i) === '.debug_info') info = i;
    if (nameOf(i) === '.rel.debug_info') rel = i;
  }
  if (info < 0) die(`${path}: no .debug_info`);
  const off = o.readUInt32LE(sh(info) + 16), size = o.readUInt32LE(sh(info) + 20);
  const dirBytes = Buffer.from(`${dir}/\0`, 'latin1');
  const at = o.indexOf(dirBytes, off);
  if (at < 0 || at >= off + size) return; // already relative
  const removed = dirBytes.length - 2; // keep ".\0"
  const section = Buffer.concat([o.subarray(off, at), Buffer.from('.\0'), o.subarray(at + dirBytes.length, off + size)]);
  section.writeUInt32LE(section.readUInt32LE(0) - removed, 0); // 32-bit DWARF unit_length
  section.copy(o, off);
  o.fill(0, off + section.length, off + size);
  o.writeUInt32LE(section.length, sh(info) + 20);
  if (rel >= 0) {
    const roff = o.readUInt32LE(sh(rel) + 16), rsize = o.readUInt32LE(sh(rel) + 20);
    for (let r = roff; r < roff + rsize; r += 8) {
      const where = o.readUInt32LE(r);
      if (where > at - off) o.writeUInt32LE(where - removed, r);
    }
  }
  writeFileSync(path, o);
}

// --- tools -------------------------------------------------------------
const tools = [
  ['gcc', ['--version'], 'gcc with 32-bit (-m32) support, e.g. apt install gcc-multilib'],
  ['nasm', ['-v'], 'nasm, e.g. apt install nasm'],
  ['ld', ['--version'], 'GNU ld (binutils)'],
  ['objcopy', ['--version'], 'GNU objcopy (binutils)'],
  ['nm', ['--version'], 'GNU nm (binutils)'],
];
for (const [tool, args, hint] of tools) {
  const probe = spawnSync(tool, args, { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) die(`required tool '${tool}' not found: install ${hint}`);
}

// --- flags -------------------------------------------------------------
const CFLAGS = [
  '-m32', '-ffreestanding', '-fno-pic', '-fno-stack-protector', '-fno-omit-frame-pointer',
  '-O1', '-g', '-gdwarf-4',
  '-std=gnu11', '-Wall', '-Wextra', '-Werror',
  '-mno-sse', '-mno-mmx', '-mno-80387', // no FPU/SIMD state in the kernel
  '-fno-asynchronous-unwind-tables', '-fno-ident',
  `-ffile-prefix-map=${dir}=.`, `-fdebug-prefix-map=${dir}=.`,
];
const LDFLAGS = ['-m', 'elf_i386', '-nostdlib', '--build-id=none', '--no-warn-rwx-segments', '-z', 'noexecstack', '-T', 'kernel.ld'];

mkdirSync(build, { recursive: true });

// 1. the real-mode trampoline, a flat binary incbin'ed by entry.asm; and the
//    same source as an ELF linked at 0x8000 (where it runs) with DWARF line
//    information, so a debugger can show trampoline.asm lines for the AP
//    (launch.json: "symbolFiles": ["smp-demo.elf", "trampoline.elf"]).
run('nasm', ['-f', 'bin', '-o', 'build/trampoline.bin', 'trampoline.asm']);
run('nasm', ['-f', 'elf32', '-g', '-F', 'dwarf', '-DTRAMPOLINE_ELF', '-o', 'build/trampoline.o', 'trampoline.asm']);
normalizeNasmCompDir(join(build, 'trampoline.o'), dir);
run('ld', ['-m', 'elf_i386', '-nostdlib', '--build-id=none', '-z', 'noexecstack', '-Ttext=0x8000', '-e', '0x8000', '-o', 'trampoline.elf', 'build/trampoline.o']);
{
  // Both builds must hold the same code: the ELF's .text is the flat binary.
  run('objcopy', ['-O', 'binary', '-j', '.text', 'trampoline.elf', 'build/trampoline-from-elf.bin']);
  const a = readFileSync(join(build, 'trampoline.bin'));
  const b = readFileSync(join(build, 'trampoline-from-elf.bin'));
  if (!a.equals(b)) die('trampoline.elf and trampoline.bin differ: the ELF build must hold the same code at 0x8000');
}

// 2. objects
const objects = [];
run('nasm', ['-f', 'elf32', '-g', '-F', 'dwarf', '-o', 'build/entry.o', 'entry.asm']);
normalizeNasmCompDir(join(build, 'entry.o'), dir);
objects.push('build/entry.o');
for (const source of readdirSync(dir).filter((n) => n.endsWith('.c')).sort()) {
  const object = `build/${source.replace(/\.c$/, '.o')}`;
  run('gcc', [...CFLAGS, '-c', '-o', object, source]);
  objects.push(object);
}

// 3. link the ELF kernel
run('ld', [...LDFLAGS, '-o', 'smp-demo.elf', ...objects]);

// 4. boot-sector image: boot sector + flat copy of the kernel from 1 MiB
run('objcopy', ['-O', 'binary', 'smp-demo.elf', 'build/kernel.bin']);
const flat = readFileSync(join(build, 'kernel.bin'));
const sectors = Math.ceil(flat.length / 512);
const symbols = run('nm', ['smp-demo.elf']);
const match = symbols.match(/^([0-9a-f]{8}) T start_bootsector$/m);
if (!match) die('start_bootsector not found in smp-demo.elf');
const KERNEL_LBA = 16; // see bootsect.asm: no Multiboot header in the first 8 KiB
run('nasm', ['-f', 'bin', `-DKERNEL_LBA=${KERNEL_LBA}`, `-DKERNEL_SECTORS=${sectors}`, `-DKERNEL_ENTRY=0x${match[1]}`,
  '-o', 'build/bootsect.bin', 'bootsect.asm']);
const bootsect = readFileSync(join(build, 'bootsect.bin'));
if (bootsect.length !== 512) die(`boot sector is ${bootsect.length} bytes, not 512`);
const image = Buffer.alloc((KERNEL_LBA + sectors) * 512);
bootsect.copy(image, 0);
flat.copy(image, KERNEL_LBA * 512);
writeFileSync(join(dir, 'smp-demo.img'), image);

// 5. test variants with only one of the two boot headers (QEMU -kernel
//    prefers one of them; these force the other path).
const elf = readFileSync(join(dir, 'smp-demo.elf'));
const mbMagic = Buffer.from([0x02, 0xb0, 0xad, 0x1b]);
const mbAt = elf.indexOf(mbMagic);
if (mbAt < 0 || mbAt + 12 > 8192) die('multiboot header not in the first 8 KiB');
const noteAt = elf.indexOf(Buffer.from([4, 0, 0, 0, 4, 0, 0, 0, 18, 0, 0, 0, 0x58, 0x65, 0x6e, 0]));
if (noteAt < 0) die('PVH note not found');
const pvhOnly = Buffer.from(elf);
pvhOnly.writeUInt32LE(0, mbAt); // no multiboot magic
writeFileSync(join(build, 'smp-demo-pvh-only.elf'), pvhOnly);
const mbOnly = Buffer.from(elf);
mbOnly.writeUInt32LE(0x7fff, noteAt + 8); // note type 18 -> unknown
writeFileSync(join(build, 'smp-demo-multiboot-only.elf'), mbOnly);

// --- samples/bugs: one NASM file each, linked at 1 MiB ------------------
const bugsDir = join(samplesDir, 'bugs');
const bugs = [];
for (const name of readdirSync(bugsDir, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'lib').map((e) => e.name).sort()) {
  const bugDir = join(bugsDir, name);
  const source = `${name}.asm`;
  if (!existsSync(join(bugDir, source))) continue;
  mkdirSync(join(bugsDir, 'build'), { recursive: true });
  const object = `../build/${name}.o`;
  run('nasm', ['-f', 'elf32', '-g', '-F', 'dwarf', '-I', '../lib/', '-o', object, source], { cwd: bugDir });
  normalizeNasmCompDir(join(bugDir, object), bugDir);
  run('ld', ['-m', 'elf_i386', '-nostdlib', '--build-id=none', '--no-warn-rwx-segments', '-z', 'noexecstack',
    '-T', '../lib/guest.ld', '-o', `${name}.elf`, object], { cwd: bugDir });
  bugs.push(`${name}.elf (${readFileSync(join(bugDir, `${name}.elf`)).length} bytes)`);
}

console.log(`build:samples: smp-demo.elf (${elf.length} bytes), smp-demo.img (${image.length} bytes, kernel ${sectors} sectors)`);
console.log(`build:samples: bugs/: ${bugs.join(', ')}`);
