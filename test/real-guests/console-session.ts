/**
 * Drives a guest's serial console in-process, as a person at a terminal
 * would: run the machine until some text appears, then type a line. Input
 * is only sent at points the run itself decides (after the awaited text),
 * so a session replays the same way every time.
 */
import { readFileSync } from 'node:fs';
import type { MachineEvent } from '../../emulator/events/machine-events';
import type { ExitReason } from '../../emulator/machine/machine';
import { createPcMachine, type PcMachine, type PcMachineOptions } from '../../emulator/machine/pc-machine';

const CHUNK = 2_000_000;

export class ConsoleSession {
  readonly pc: PcMachine;
  readonly events: MachineEvent[] = [];
  private readonly output: number[] = [];
  /** Where the next waitFor starts looking. */
  private cursor = 0;
  /** How the machine ended, once it has. */
  exit: ExitReason | undefined;

  constructor(options: Omit<PcMachineOptions, 'image'> & { image: Uint8Array | string }) {
    const image = typeof options.image === 'string' ? readFileSync(options.image) : options.image;
    this.pc = createPcMachine({ ...options, image }, { serialOutput: (b) => this.output.push(b), debugConsoleOutput: (b) => this.output.push(b) });
    this.pc.machine.events.subscribe((e) => {
      if (e.kind !== 'unbacked-access') this.events.push(e);
    });
  }

  /** Everything the guest printed so far. */
  get transcript(): string {
    return Buffer.from(this.output).toString('latin1');
  }

  /**
   * Run until `text` appears after everything already consumed; returns the
   * output up to and including it. Fails with the transcript's tail when the
   * machine ends or the instruction budget runs out first.
   */
  async waitFor(text: string, maxInstructions = 2_000_000_000): Promise<string> {
    const start = this.pc.machine.totalInstructions;
    for (;;) {
      const found = this.transcript.indexOf(text, this.cursor);
      if (found >= 0) {
        const chunk = this.transcript.slice(this.cursor, found + text.length);
        this.cursor = found + text.length;
        return chunk;
      }
      if (this.exit !== undefined) throw new Error(`machine ended (${this.exit.kind}) before '${text}' appeared; output ends with:\n${this.transcript.slice(-1500)}`);
      if (this.pc.machine.totalInstructions - start >= maxInstructions) {
        throw new Error(`'${text}' did not appear within ${maxInstructions} instructions; output ends with:\n${this.transcript.slice(-1500)}`);
      }
      const result = this.pc.machine.run(CHUNK, Infinity);
      // The awaited text may be the guest's last words: look once more before giving up.
      if (result.kind === 'exited') this.exit = result.reason;
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Run until the machine ends (or the budget runs out); returns how it ended. */
  async runToExit(maxInstructions = 2_000_000_000): Promise<ExitReason> {
    const start = this.pc.machine.totalInstructions;
    while (this.exit === undefined) {
      if (this.pc.machine.totalInstructions - start >= maxInstructions) throw new Error(`the machine did not end within ${maxInstructions} instructions; output ends with:\n${this.transcript.slice(-1500)}`);
      const result = this.pc.machine.run(CHUNK, Infinity);
      if (result.kind === 'exited') this.exit = result.reason;
      await new Promise((r) => setImmediate(r));
    }
    return this.exit;
  }

  /** Type a line on COM1 (as stdin would deliver it). */
  type(line: string): void {
    this.pc.machine.com1.sendHostInput(Buffer.from(line, 'latin1'));
  }

  /** Type a command at a shell prompt and return its output up to the next prompt. */
  async command(line: string, prompt: string, maxInstructions?: number): Promise<string> {
    this.type(`${line}\n`);
    const out = await this.waitFor(prompt, maxInstructions);
    return out.slice(0, out.length - prompt.length);
  }
}
