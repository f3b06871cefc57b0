/**
 * Full paths for line-table file entries: a relative name is joined to its
 * directory entry, and a relative directory to the unit's DW_AT_comp_dir
 * (DWARF 5 section 6.2.4 items 19-20; DWARF 4 section 6.2.4 items 14-15).
 * The joining follows what binutils prints, so addr2line output matches.
 */
import type { LineProgram } from './line-program';

export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path);
}

function join(dir: string, name: string): string {
  if (dir === '') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** The path of file register value `file` in `program`, or undefined when the index is not in the table. */
export function lineFilePath(program: LineProgram, file: number, compDir: string | undefined): string | undefined {
  const entry = program.files[file];
  if (entry === undefined || (program.version < 5 && file === 0)) return undefined;
  if (isAbsolutePath(entry.name)) return entry.name;
  let subdir: string | undefined;
  if (program.version >= 5) {
    subdir = program.directories[entry.directoryIndex];
  } else if (entry.directoryIndex !== 0) {
    subdir = program.directories[entry.directoryIndex];
  }
  let dir: string | undefined;
  if (subdir === undefined || !isAbsolutePath(subdir)) dir = compDir;
  if (dir === undefined) {
    dir = subdir;
    subdir = undefined;
  }
  if (dir === undefined) return entry.name;
  return subdir !== undefined ? join(join(dir, subdir), entry.name) : join(dir, entry.name);
}

export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? path : path.slice(i + 1);
}
