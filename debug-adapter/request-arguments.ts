/**
 * The JSON shape of every request's arguments, checked in one place before a
 * handler runs, so a mistyped request (a number where DAP has an array, a
 * string for a thread id) is answered with a sentence naming the request and
 * the argument instead of whatever JavaScript makes of it. Handlers still
 * check meaning (an unknown thread, an address that does not parse).
 * Field names and types follow the DAP specification and
 * docs/dap-extensions.md.
 */

type Type =
  | 'integer'
  | 'string'
  | 'boolean'
  | 'object'
  /** A number or a string ("0x7c00"): bringup/translate's address. */
  | 'number or string'
  | { oneOf: readonly string[] }
  | { items: Type }
  | { fields: Shape };
interface Field {
  type: Type;
  required: boolean;
}
type Shape = Record<string, Field>;

const req = (type: Type): Field => ({ type, required: true });
const opt = (type: Type): Field => ({ type, required: false });
const list = (items: Type): Type => ({ items });
const shape = (fields: Shape): Type => ({ fields });

const threadOnly: Shape = { threadId: req('integer') };
const step: Shape = { threadId: req('integer'), singleThread: opt('boolean'), granularity: opt({ oneOf: ['statement', 'line', 'instruction'] }) };
const vcpuOnly: Shape = { vcpu: req('integer') };
const condition = { condition: opt('string'), hitCondition: opt('string') };

/** Requests by command. A request not listed here has no arguments the adapter reads. */
export const REQUEST_ARGUMENTS: Record<string, Shape> = {
  threads: {},
  configurationDone: {},
  stackTrace: { threadId: req('integer'), startFrame: opt('integer'), levels: opt('integer'), format: opt('object') },
  scopes: { frameId: req('integer') },
  variables: { variablesReference: req('integer'), filter: opt({ oneOf: ['indexed', 'named'] }), start: opt('integer'), count: opt('integer'), format: opt('object') },
  setVariable: { variablesReference: req('integer'), name: req('string'), value: req('string'), format: opt('object') },
  continue: { threadId: req('integer'), singleThread: opt('boolean') },
  pause: threadOnly,
  next: step,
  stepIn: { ...step, targetId: opt('integer') },
  stepOut: step,
  exceptionInfo: threadOnly,
  evaluate: { expression: req('string'), frameId: opt('integer'), context: opt('string'), format: opt('object') },
  completions: { text: req('string'), column: req('integer'), line: opt('integer'), frameId: opt('integer') },
  readMemory: { memoryReference: req('string'), offset: opt('integer'), count: req('integer') },
  writeMemory: { memoryReference: req('string'), offset: opt('integer'), data: req('string'), allowPartial: opt('boolean') },
  disassemble: { memoryReference: req('string'), offset: opt('integer'), instructionOffset: opt('integer'), instructionCount: req('integer'), resolveSymbols: opt('boolean') },
  setBreakpoints: {
    source: req(shape({ path: opt('string'), name: opt('string'), sourceReference: opt('integer') })),
    breakpoints: opt(list(shape({ line: req('integer'), column: opt('integer'), ...condition, logMessage: opt('string') }))),
    lines: opt(list('integer')),
    sourceModified: opt('boolean'),
  },
  setFunctionBreakpoints: { breakpoints: req(list(shape({ name: req('string'), ...condition }))) },
  setInstructionBreakpoints: { breakpoints: req(list(shape({ instructionReference: req('string'), offset: opt('integer'), ...condition }))) },
  setExceptionBreakpoints: {
    filters: req(list('string')),
    filterOptions: opt(list(shape({ filterId: req('string'), condition: opt('string') }))),
    exceptionOptions: opt(list('object')),
  },
  dataBreakpointInfo: { name: req('string'), variablesReference: opt('integer'), frameId: opt('integer') },
  setDataBreakpoints: { breakpoints: req(list(shape({ dataId: req('string'), accessType: opt({ oneOf: ['read', 'write', 'readWrite'] }), ...condition }))) },
  restart: { arguments: opt('object') },
  terminate: { restart: opt('boolean') },
  disconnect: { restart: opt('boolean'), terminateDebuggee: opt('boolean'), suspendDebuggee: opt('boolean') },
  'bringup/vcpus': {},
  'bringup/lapic': vcpuOnly,
  'bringup/ioapic': {},
  'bringup/ipiLog': { since: opt('integer'), paravirtSince: opt('integer') },
  'bringup/descriptorTable': { vcpu: req('integer'), table: req({ oneOf: ['gdt', 'idt', 'ldt'] }) },
  'bringup/translate': { vcpu: req('integer'), address: req('number or string') },
  'bringup/pvStartupState': vcpuOnly,
  'bringup/registerSnapshot': vcpuOnly,
  'bringup/focusThread': vcpuOnly,
  'bringup/screen': {},
};

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function typeWords(type: Type): string {
  if (typeof type === 'string') return type === 'integer' ? 'an integer' : type === 'object' ? 'an object' : type === 'number or string' ? 'a number or a string' : `a ${type}`;
  if ('oneOf' in type) return `one of ${type.oneOf.map((v) => JSON.stringify(v)).join(', ')}`;
  if ('items' in type) return `an array of ${typeWords(type.items).replace(/^an? /, '')}s`;
  return 'an object';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first problem with `value` as `type`, as "must be ... (got ...)", or undefined. */
function checkValue(path: string, type: Type, value: unknown): string | undefined {
  const wrong = (): string => `"${path}" must be ${typeWords(type)} (got ${shown(value)})`;
  if (typeof type === 'string') {
    switch (type) {
      case 'integer': return typeof value === 'number' && Number.isSafeInteger(value) ? undefined : wrong();
      case 'string': return typeof value === 'string' ? undefined : wrong();
      case 'boolean': return typeof value === 'boolean' ? undefined : wrong();
      case 'object': return isObject(value) ? undefined : wrong();
      case 'number or string': return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string' ? undefined : wrong();
    }
  }
  if ('oneOf' in type) return typeof value === 'string' && type.oneOf.includes(value) ? undefined : wrong();
  if ('items' in type) {
    if (!Array.isArray(value)) return wrong();
    for (let i = 0; i < value.length; i++) {
      const problem = checkValue(`${path}[${i}]`, type.items, value[i]);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (!isObject(value)) return wrong();
  return checkShape(type.fields, value, `${path}.`);
}

function checkShape(fields: Shape, args: Record<string, unknown>, prefix: string): string | undefined {
  for (const [name, field] of Object.entries(fields)) {
    const value = args[name];
    // JSON null is taken as "not given", as DAP clients send it for optional fields.
    if (value === undefined || value === null) {
      if (field.required) return `"${prefix}${name}" is required (${typeWords(field.type)})`;
      continue;
    }
    const problem = checkValue(`${prefix}${name}`, field.type, value);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * Why `args` is not a valid argument object for `command` (a sentence naming
 * the request and the argument), or undefined when its shape is right or the
 * command has no declared arguments.
 */
export function argumentProblem(command: string, args: unknown): string | undefined {
  const fields = REQUEST_ARGUMENTS[command];
  if (fields === undefined) return undefined;
  if (args !== undefined && args !== null && !isObject(args)) {
    const names = Object.keys(fields);
    return `${command}: the arguments must be an object${names.length > 0 ? ` with ${names.map((n) => `"${n}"`).join(', ')}` : ''} (got ${shown(args)}).`;
  }
  const problem = checkShape(fields, isObject(args) ? args : {}, '');
  return problem === undefined ? undefined : `${command}: ${problem}.`;
}
