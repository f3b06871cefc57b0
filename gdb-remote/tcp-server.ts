/**
 * The stub on a TCP port, as gdb's `target remote HOST:PORT` expects it:
 * one debugger at a time (a second connection is told so and closed, as
 * gdbserver does), and the machine stopped before the first packet is
 * answered (gdb's first `?` must see a stopped target, E.3).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { GdbConnection, type ServerLog } from './server';
import type { GdbTarget } from './target';

export interface GdbListenOptions {
  host: string;
  port: number;
  /** Stop the machine for an arriving debugger; resolves once it is stopped. */
  attach(): Promise<GdbTarget>;
  log?: ServerLog;
  /** Called when a debugger detaches or disconnects. */
  detached?(): void;
}

export interface GdbListener {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
  /** Whether a debugger is connected now. */
  readonly connected: boolean;
}

export function listenForGdb(options: GdbListenOptions): Promise<GdbListener> {
  const log = options.log ?? ((): void => {});
  let active: Socket | undefined;
  const server: Server = createServer((socket) => {
    if (active !== undefined) {
      log(`gdb: refused a second debugger from ${socket.remoteAddress}:${socket.remotePort} (one is attached)`);
      socket.end();
      return;
    }
    active = socket;
    socket.setNoDelay(true);
    log(`gdb: debugger connected from ${socket.remoteAddress}:${socket.remotePort}`);
    const early: Buffer[] = [];
    let connection: GdbConnection | undefined;
    let gone = false;
    const onData = (chunk: Buffer): void => {
      if (connection === undefined) early.push(chunk);
      else connection.receive(chunk);
    };
    socket.on('data', onData);
    const finish = (): void => {
      if (gone) return;
      gone = true;
      if (active === socket) active = undefined;
      connection?.closedByPeer();
      options.detached?.();
      log('gdb: debugger disconnected');
    };
    socket.on('close', finish);
    socket.on('error', (error) => {
      log(`gdb: connection error: ${error.message}`);
      finish();
    });
    options.attach().then(
      (target) => {
        if (gone) {
          target.detach();
          return;
        }
        connection = new GdbConnection(target, { write: (bytes) => socket.write(bytes), end: () => socket.end() }, log);
        for (const chunk of early.splice(0)) connection.receive(chunk);
      },
      (error: unknown) => {
        log(`gdb: cannot attach: ${(error as Error).message}`);
        socket.destroy();
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({
        port: address.port,
        host: options.host,
        get connected() {
          return active !== undefined;
        },
        close: () =>
          new Promise<void>((done) => {
            // end() lets a last reply (W after the machine ended) reach gdb; a debugger that never closes is cut off.
            const socket = active;
            socket?.end();
            if (socket !== undefined) setTimeout(() => socket.destroy(), 1000).unref();
            server.close(() => done());
          }),
      });
    });
  });
}
