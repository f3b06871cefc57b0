/**
 * dist/debugAdapter.js: the Bringup debug adapter. Run as a program it
 * speaks DAP over stdin/stdout; required as a module it exports the session
 * class for in-process use (the extension's inline mode, tests).
 */
import { DebugSession } from '@vscode/debugadapter';
import { BringupDebugSession } from './bringup-session';

export { BringupDebugSession };

if (require.main === module) DebugSession.run(BringupDebugSession);
