/** Read and index a symbol file for a CLI command; errors become one line on stderr and exit status 1. */
import { readFile } from 'node:fs/promises';
import { SymbolFile } from '../../symbols/symbol-file';
import type { CommandOutput } from './command-output';

export async function loadSymbolFileForCli(command: string, path: string, out: CommandOutput, offset = 0): Promise<SymbolFile | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    out.stderr(`bringup ${command}: '${path}': ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file' : (error as Error).message}\n`);
    return undefined;
  }
  try {
    return new SymbolFile({ path, bytes, offset });
  } catch (error) {
    out.stderr(`bringup ${command}: '${path}': ${(error as Error).message}\n`);
    return undefined;
  }
}
