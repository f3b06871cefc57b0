/**
 * The event filters' checked state at initialize: the host that starts the
 * adapter (the extension) passes the launch configuration's stopOnEvents, and
 * the initialize response announces those filters as checked, because VS Code
 * takes `default` from the initialize response the first time it sees a filter.
 */
import { strict as assert } from 'node:assert';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { BringupDebugSession } from '../../debug-adapter/bringup-session';

function initialize(session: BringupDebugSession, args: DebugProtocol.InitializeRequestArguments): Promise<DebugProtocol.InitializeResponse> {
  return new Promise((resolve) => {
    const sub = session.onDidSendMessage((m) => {
      const msg = m as DebugProtocol.ProtocolMessage;
      if (msg.type === 'response' && (msg as DebugProtocol.Response).command === 'initialize') {
        sub.dispose();
        resolve(msg as DebugProtocol.InitializeResponse);
      }
    });
    session.handleMessage({ seq: 1, type: 'request', command: 'initialize', arguments: args } as DebugProtocol.InitializeRequest);
  });
}

describe('event filters at initialize', function () {
  it('filters in the launch list start checked; the others keep their defaults', async function () {
    const session = new BringupDebugSession({ stopOnEvents: ['startup-ipi', 'cr0-pe', 42] });
    const filters = (await initialize(session, { adapterID: 'bringup', pathFormat: 'path' })).body?.exceptionBreakpointFilters ?? [];
    const checked = filters.filter((f) => f.default === true).map((f) => f.filter).sort();
    assert.deepEqual(checked, ['cr0-pe', 'invalid-opcode', 'pv-refused', 'pv-stale-state', 'startup-ipi', 'triple-fault']);
    session.dispose();
  });

  it('without a launch list only the built-in defaults are checked (and pathFormat defaults to "path", as DAP says)', async function () {
    const session = new BringupDebugSession();
    const response = await initialize(session, { adapterID: 'bringup' });
    assert.equal(response.success, true, response.message);
    const filters = response.body?.exceptionBreakpointFilters ?? [];
    assert.deepEqual(filters.filter((f) => f.default === true).map((f) => f.filter).sort(), ['invalid-opcode', 'pv-refused', 'pv-stale-state', 'triple-fault']);
    session.dispose();
  });
});
