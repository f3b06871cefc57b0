/**
 * dist/debugAdapter.js: the Bringup debug adapter. Run as a program it
 * speaks DAP over stdin/stdout; required as a module it exports the session
 * class for in-process use (the extension's inline mode, tests).
 *
 * `--stop-on-events=id,id` tells the program the launch configuration's
 * `stopOnEvents` before `initialize`, so the filters start checked in the
 * client's Breakpoints view (the extension passes it in process mode).
 */
import { DebugSession } from '@vscode/debugadapter';
import { BringupDebugSession } from './bringup-session';

export { BringupDebugSession };

if (require.main === module) {
  const arg = process.argv.find((a) => a.startsWith('--stop-on-events='));
  const stopOnEvents = arg === undefined ? [] : arg.slice('--stop-on-events='.length).split(',').filter((id) => id !== '');
  DebugSession.run(class extends BringupDebugSession {
    constructor() {
      super({ stopOnEvents });
    }
  });
}
