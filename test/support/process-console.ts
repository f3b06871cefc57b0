/**
 * Drive a machine's serial console as a process (ours through
 * bin/bringup.js, or QEMU): wait for a text on stdout, type the next line,
 * and so on. Benchmarks take the wall time from spawn to the last awaited
 * text (the same steps against both, so the ratio compares like with like);
 * tests compare what each step printed.
 */
import { spawn } from 'node:child_process';

export interface ConsoleStep {
  /** Text to wait for (searched after everything already matched). */
  waitFor: string;
  /** Line to type once it appeared (newline added), if any. */
  send?: string;
}

export interface ConsoleRun {
  /** Wall time from spawn to the last awaited text. */
  ms: number;
  /** What the process printed from the end of one awaited text to the end of the next, one entry per step. */
  steps: string[];
}

export async function timeConsoleSession(command: string, args: string[], steps: ConsoleStep[], timeoutMs: number): Promise<number> {
  return (await runConsoleSession(command, args, steps, timeoutMs)).ms;
}

export async function runConsoleSession(command: string, args: string[], steps: ConsoleStep[], timeoutMs: number): Promise<ConsoleRun> {
  const started = Date.now();
  const printed: string[] = [];
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let matchedUpTo = 0;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
  try {
    await new Promise<void>((resolve, reject) => {
      let step = 0;
      const timer = setTimeout(() => reject(new Error(`${command}: '${steps[step]?.waitFor}' did not appear within ${timeoutMs} ms; output ends with: ${output.slice(-400)}`)), timeoutMs);
      const advance = (): void => {
        while (step < steps.length) {
          const at = output.indexOf(steps[step].waitFor, matchedUpTo);
          if (at < 0) return;
          printed.push(output.slice(matchedUpTo, at + steps[step].waitFor.length));
          matchedUpTo = at + steps[step].waitFor.length;
          const send = steps[step].send;
          if (send !== undefined) child.stdin.write(`${send}\n`);
          step++;
        }
        clearTimeout(timer);
        resolve();
      };
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString('latin1');
        advance();
      });
      child.on('exit', (code) => {
        if (step < steps.length) {
          clearTimeout(timer);
          reject(new Error(`${command} exited (${code}) before '${steps[step].waitFor}': ${stderr.slice(-400)} ${output.slice(-400)}`));
        }
      });
    });
    return { ms: Date.now() - started, steps: printed };
  } finally {
    child.kill('SIGKILL');
  }
}
