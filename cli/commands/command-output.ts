/** What a symbol subcommand writes to: the process's streams in main.ts, buffers in tests. */
export interface CommandOutput {
  stdout(s: string): void;
  stderr(s: string): void;
}
