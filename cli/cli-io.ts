/** Where the CLI writes and reads; the real process in main.ts, buffers in tests. */
export interface CliIo {
  stdout(data: string | Uint8Array): void;
  stderr(text: string): void;
  /** Bytes for COM1's receiver: called once with a listener; returns a function that stops reading. */
  stdin?(onData: (bytes: Uint8Array) => void, onEnd: () => void): () => void;
}
