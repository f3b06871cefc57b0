/**
 * Every request the adapter answers, sent with mistyped arguments (arrays
 * where objects go, numbers where arrays go, strings for numbers, ...): each
 * answer is a success or an error that reads as a sentence naming the request
 * or the argument, never a JavaScript error text, and the session goes on.
 * The argument names come from the DAP specification and
 * docs/dap-extensions.md, not from the adapter's own tables.
 */
import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const root = join(__dirname, '..', '..');
const adapter = join(root, 'dist', 'debugAdapter.js');
const smpGuest = join(root, 'test', 'guests', 'build', 'smp-sipi.bin');

/** A request with arguments that are valid on their own, so each sweep changes one thing. */
interface RequestCase {
  command: string;
  valid: Record<string, unknown>;
  /** Arguments of the request by their DAP type (valid ones included), each sent with values of other types. */
  fields: Record<string, Kind>;
  /** Array arguments whose elements are objects with these fields. */
  elements?: Record<string, Record<string, Kind>>;
}

// Requests that change what runs (continue, steps, pause) come last: a wrong answer there moves the machine.
const REQUESTS: RequestCase[] = [
  { command: 'threads', valid: {}, fields: {} },
  { command: 'stackTrace', valid: { threadId: 1 }, fields: { threadId: 'int', startFrame: 'int', levels: 'int', format: 'object' } },
  { command: 'scopes', valid: { frameId: 0 }, fields: { frameId: 'int' } },
  { command: 'variables', valid: { variablesReference: 1 }, fields: { variablesReference: 'int', start: 'int', count: 'int', filter: 'string', format: 'object' } },
  { command: 'setVariable', valid: { variablesReference: 1, name: 'eax', value: '1' }, fields: { variablesReference: 'int', name: 'string', value: 'string', format: 'object' } },
  { command: 'evaluate', valid: { expression: 'eax' }, fields: { expression: 'string', frameId: 'int', context: 'string', format: 'object' } },
  { command: 'completions', valid: { text: '$cr', column: 4 }, fields: { text: 'string', column: 'int', line: 'int', frameId: 'int' } },
  { command: 'exceptionInfo', valid: { threadId: 1 }, fields: { threadId: 'int' } },
  { command: 'readMemory', valid: { memoryReference: '0x7c00', count: 4 }, fields: { memoryReference: 'string', offset: 'int', count: 'int' } },
  { command: 'writeMemory', valid: { memoryReference: '0x500', data: 'AAAA' }, fields: { memoryReference: 'string', offset: 'int', data: 'string', allowPartial: 'bool' } },
  { command: 'disassemble', valid: { memoryReference: '0x7c00', instructionCount: 2 }, fields: { memoryReference: 'string', offset: 'int', instructionOffset: 'int', instructionCount: 'int', resolveSymbols: 'bool' } },
  { command: 'setBreakpoints', valid: { source: { path: '/nonexistent/boot.asm' }, breakpoints: [{ line: 3 }] }, fields: { source: 'object', breakpoints: 'array', lines: 'array', sourceModified: 'bool' }, elements: { breakpoints: { line: 'int', column: 'int', condition: 'string', hitCondition: 'string', logMessage: 'string' }, lines: {} } },
  { command: 'setFunctionBreakpoints', valid: { breakpoints: [{ name: 'nothing_here' }] }, fields: { breakpoints: 'array' }, elements: { breakpoints: { name: 'string', condition: 'string', hitCondition: 'string' } } },
  { command: 'setInstructionBreakpoints', valid: { breakpoints: [{ instructionReference: '0xfff0' }] }, fields: { breakpoints: 'array' }, elements: { breakpoints: { instructionReference: 'string', offset: 'int', condition: 'string', hitCondition: 'string' } } },
  { command: 'setExceptionBreakpoints', valid: { filters: [] }, fields: { filters: 'array', filterOptions: 'array', exceptionOptions: 'array' }, elements: { filters: {}, filterOptions: { filterId: 'string', condition: 'string' } } },
  { command: 'dataBreakpointInfo', valid: { name: '0x500' }, fields: { name: 'string', variablesReference: 'int', frameId: 'int' } },
  { command: 'setDataBreakpoints', valid: { breakpoints: [] }, fields: { breakpoints: 'array' }, elements: { breakpoints: { dataId: 'string', accessType: 'string', condition: 'string', hitCondition: 'string' } } },
  { command: 'bringup/vcpus', valid: {}, fields: {} },
  { command: 'bringup/lapic', valid: { vcpu: 0 }, fields: { vcpu: 'int' } },
  { command: 'bringup/ioapic', valid: {}, fields: {} },
  { command: 'bringup/ipiLog', valid: { since: 0 }, fields: { since: 'int', paravirtSince: 'int' } },
  { command: 'bringup/descriptorTable', valid: { vcpu: 0, table: 'gdt' }, fields: { vcpu: 'int', table: 'string' } },
  { command: 'bringup/translate', valid: { vcpu: 0, address: '0x7c00' }, fields: { vcpu: 'int', address: 'address' } },
  { command: 'bringup/pvStartupState', valid: { vcpu: 0 }, fields: { vcpu: 'int' } },
  { command: 'bringup/registerSnapshot', valid: { vcpu: 0 }, fields: { vcpu: 'int' } },
  { command: 'bringup/focusThread', valid: { vcpu: 0 }, fields: { vcpu: 'int' } },
  { command: 'pause', valid: { threadId: 1 }, fields: { threadId: 'int' } },
  { command: 'continue', valid: { threadId: 1 }, fields: { threadId: 'int', singleThread: 'bool' } },
  { command: 'next', valid: { threadId: 1 }, fields: { threadId: 'int', singleThread: 'bool', granularity: 'string' } },
  { command: 'stepIn', valid: { threadId: 1 }, fields: { threadId: 'int', singleThread: 'bool', granularity: 'string', targetId: 'int' } },
  { command: 'stepOut', valid: { threadId: 1 }, fields: { threadId: 'int', singleThread: 'bool', granularity: 'string' } },
];

type Kind = 'int' | 'string' | 'bool' | 'object' | 'array' | 'address';
/** Values of another JSON type than the argument's (strings for numbers, numbers for arrays, ...). */
const WRONG: Record<Kind, unknown[]> = {
  int: [[], [3], -1.5, 'x', '3', {}, true],
  string: [[], ['x'], 3, {}, { a: 1 }, true],
  bool: [3, 'x', 'true', [], {}],
  object: [[], [{}], 3, 'x', true],
  array: [3, 'x', {}, { length: 1 }, true],
  address: [[], [3], -1.5, {}, true],
};
/** Whole `arguments` that are not an object. */
const WRONG_ARGUMENTS: unknown[] = [[], [{ threadId: 1 }], 3, 'x', true];

/** Phrases of JavaScript errors and values leaking into an answer. */
const LEAK = /is not iterable|Cannot read propert|Cannot set propert|is not a function|is not defined|undefined|\bNaN\b|\[object |TypeError|RangeError|SyntaxError|Unexpected token|of null|\bat .*\.(js|ts):\d+/;

function* shapes(c: RequestCase): Generator<{ what: string; args: unknown; names: string[] }> {
  for (const a of WRONG_ARGUMENTS) yield { what: `arguments ${JSON.stringify(a)}`, args: a, names: [] };
  for (const [field, kind] of Object.entries(c.fields)) {
    for (const v of WRONG[kind]) yield { what: `${field}: ${JSON.stringify(v)}`, args: { ...c.valid, [field]: v }, names: [field] };
  }
  for (const [field, inner] of Object.entries(c.elements ?? {})) {
    const base = (c.valid[field] as Record<string, unknown>[] | undefined)?.[0] ?? {};
    for (const v of [3, 'x', null, [], [1]]) yield { what: `${field}: [${JSON.stringify(v)}]`, args: { ...c.valid, [field]: [v] }, names: [field] };
    for (const [f, kind] of Object.entries(inner)) {
      for (const v of WRONG[kind]) yield { what: `${field}[0].${f}: ${JSON.stringify(v)}`, args: { ...c.valid, [field]: [{ ...base, [f]: v }] }, names: [field, f] };
    }
  }
}

/** DebugClient leaves out `arguments` that are not a non-empty object; this sends them as given. */
function sendRaw(dc: DebugClient, command: string, args: unknown): Promise<DebugProtocol.Response> {
  const client = dc as unknown as { sequence: number; pendingRequests: Map<number, (r: DebugProtocol.Response) => void>; outputStream: NodeJS.WritableStream };
  return new Promise((resolve, reject) => {
    const seq = client.sequence++;
    const timer = setTimeout(() => reject(new Error(`no answer to ${command} ${JSON.stringify(args)}`)), 10000);
    client.pendingRequests.set(seq, (r) => { clearTimeout(timer); resolve(r); });
    const json = JSON.stringify({ type: 'request', seq, command, arguments: args });
    client.outputStream.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`, 'utf8');
  });
}

describe('malformed requests: every request × mistyped argument shapes', function () {
  this.timeout(120000);
  let dc: DebugClient;

  beforeEach(async function () {
    assert.ok(existsSync(adapter), 'npm test builds dist/debugAdapter.js first');
    dc = new DebugClient('node', adapter, 'bringup');
    dc.defaultTimeout = 30000;
    await dc.start();
  });
  afterEach(async function () {
    await dc.stop().catch(() => {});
  });

  it('each error answer is a sentence naming the request or the argument, and the session goes on', async function () {
    await Promise.all([
      dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()),
      dc.initializeRequest({ adapterID: 'bringup', pathFormat: 'path' }).then(() => dc.launchRequest({ image: smpGuest, boot: 'bootsector', cpus: 4, stopOnEntry: true } as DebugProtocol.LaunchRequestArguments)),
      dc.waitForEvent('stopped'),
    ]);
    const bad: string[] = [];
    let answers = 0;
    for (const c of REQUESTS) {
      for (const shape of shapes(c)) {
        const response = await sendRaw(dc, c.command, shape.args);
        answers++;
        if (response.success) continue;
        const message = response.message ?? '';
        const named = [c.command, ...shape.names, ...Object.keys(c.fields)].some((n) => message.includes(n));
        if (message === '' || LEAK.test(message) || !named || !/^["'A-Za-z(]/.test(message)) bad.push(`${c.command} with ${shape.what}: ${JSON.stringify(message)}`);
      }
      // A stray continue or step lets the machine run: stop it again before the next request.
      const vcpus = (await dc.customRequest('bringup/vcpus')).body as { running: boolean };
      if (vcpus.running) await Promise.all([dc.pauseRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    }
    assert.ok(answers > 400, `${answers} malformed requests sent`);
    assert.deepEqual(bad, [], `${bad.length} of ${answers} answers are not sentences about the request:\n${bad.join('\n')}`);
    assert.equal((await dc.threadsRequest()).body.threads.length, 4, 'the session still answers');
  });
});
