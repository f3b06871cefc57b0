/**
 * The `bringup` command line. Subcommands: run (headless machine), addr2line
 * and symbols (symbol files). Exit statuses are a contract: see usage.ts and
 * docs/cli.md.
 */
import { runAddr2line } from './commands/addr2line';
import { runSymbols } from './commands/symbols';
import type { CliIo } from './cli-io';
import { EXIT_USAGE } from './exit-status';
import { runCommand } from './run-command';
import { USAGE } from './usage';

type Subcommand = (argv: string[], out: { stdout: (s: string) => void; stderr: (s: string) => void }) => Promise<number>;

/** Symbol-file subcommands (addr2line, symbols), registered by the symbol reader's CLI module when it is built in. */
const symbolCommands: Partial<Record<'addr2line' | 'symbols', Subcommand>> = {};

export function registerSymbolCommand(name: 'addr2line' | 'symbols', command: Subcommand): void {
  symbolCommands[name] = command;
}

registerSymbolCommand('addr2line', runAddr2line);
registerSymbolCommand('symbols', runSymbols);

async function symbolCommand(name: 'addr2line' | 'symbols'): Promise<Subcommand | undefined> {
  return symbolCommands[name];
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      if (rest.includes('--help') || rest.includes('-h')) {
        io.stdout(USAGE);
        return 0;
      }
      return runCommand(rest, io);
    case 'addr2line':
    case 'symbols': {
      const sub = await symbolCommand(command);
      if (sub === undefined) {
        io.stderr(`bringup: the ${command} command is not available in this build\n`);
        return EXIT_USAGE;
      }
      return sub(rest, { stdout: (s) => io.stdout(s), stderr: (s) => io.stderr(s) });
    }
    case '--help':
    case '-h':
    case 'help':
      io.stdout(USAGE);
      return 0;
    case '--version':
      io.stdout(`bringup ${version()}\n`);
      return 0;
    case undefined:
      io.stderr(`bringup: no command given\n${USAGE}`);
      return EXIT_USAGE;
    default:
      io.stderr(`bringup: unknown command '${command}' (expected run, addr2line or symbols)\n`);
      return EXIT_USAGE;
  }
}

function version(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Process wiring: real stdout/stderr/stdin; the exit status is set, never forced, so output drains. */
export function runAsProcess(): void {
  // A reader that goes away (`bringup run ... | head`) is not an error of ours: stop quietly, as cat does.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const io: CliIo = {
    stdout: (data) => process.stdout.write(data),
    stderr: (text) => process.stderr.write(text),
    stdin: (onData, onEnd) => {
      if (process.stdin.isTTY === undefined && process.stdin.readableEnded) return () => {};
      const data = (chunk: Buffer): void => onData(chunk);
      process.stdin.on('data', data);
      process.stdin.on('end', onEnd);
      process.stdin.on('error', onEnd);
      return () => {
        process.stdin.off('data', data);
        process.stdin.pause();
        process.stdin.unref?.();
        (process.stdin as { destroy?: () => void }).destroy?.();
      };
    },
  };
  main(process.argv.slice(2), io).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(`bringup: internal error: ${(error as Error).stack ?? error}\n`);
      process.exitCode = 70;
    },
  );
}

if (require.main === module) runAsProcess();
