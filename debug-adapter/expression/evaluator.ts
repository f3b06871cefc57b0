/**
 * Evaluates parsed expressions against a context the adapter provides (the
 * selected vCPU's registers, its view of linear memory, machine variables,
 * symbols, decoded tables). Integers are 64-bit-safe JS numbers; results of
 * arithmetic wrap to 32 bits like the guest's own arithmetic.
 */
import { ExpressionError, parseExpression, type Node } from './parser';

export type Value =
  | { kind: 'int'; value: number; size?: number; signed?: boolean; pointer?: boolean }
  | { kind: 'str'; value: string }
  | { kind: 'record'; text: string; fields: Record<string, Value>; index?: (n: number) => Value | undefined; memoryReference?: number };

export interface EvalContext {
  /** A name: register (eax, $eax, $cs), machine variable ($cpu, $apic_id), symbol, or object (gdt, idt, lapic). */
  lookup(name: string): Value | undefined;
  /** Little-endian read of linear memory as the selected vCPU sees it; undefined when not mapped. */
  readMemory(address: number, size: number): number | undefined;
  /** Functions such as pagewalk(addr). */
  call?(name: string, args: Value[]): Value | undefined;
}

export function int(value: number, size = 4, signed = false): Value {
  return { kind: 'int', value, size, signed };
}

function asNumber(v: Value, what: string): number {
  if (v.kind === 'int') return v.value;
  if (v.kind === 'record' && v.fields.value?.kind === 'int') return v.fields.value.value;
  throw new ExpressionError(`${what} is not a number`);
}

function truthy(v: Value): boolean {
  if (v.kind === 'int') return v.value !== 0;
  if (v.kind === 'str') return v.value.length > 0;
  return true;
}

function wrap32(n: number): number {
  return n >>> 0;
}

function evaluateNode(node: Node, ctx: EvalContext): Value {
  switch (node.kind) {
    case 'number':
      return int(node.value, node.value > 0xffffffff ? 8 : 4);
    case 'string':
      return { kind: 'str', value: node.value };
    case 'name': {
      const v = ctx.lookup(node.name);
      if (v === undefined) throw new ExpressionError(`'${node.name}' is not a register, variable or symbol here`);
      return v;
    }
    case 'unary': {
      const v = evaluateNode(node.operand, ctx);
      if (node.op === '!') return int(truthy(v) ? 0 : 1);
      if (node.op === '*') return read(ctx, asNumber(v, 'the address'), 4, false);
      const n = asNumber(v, `the operand of '${node.op}'`);
      if (node.op === '-') return int(wrap32(-n), 4, true);
      return int(wrap32(~n));
    }
    case 'binary': {
      if (node.op === '&&') return int(truthy(evaluateNode(node.left, ctx)) && truthy(evaluateNode(node.right, ctx)) ? 1 : 0);
      if (node.op === '||') return int(truthy(evaluateNode(node.left, ctx)) || truthy(evaluateNode(node.right, ctx)) ? 1 : 0);
      const l = evaluateNode(node.left, ctx);
      const r = evaluateNode(node.right, ctx);
      if (l.kind === 'str' || r.kind === 'str') {
        const ls = l.kind === 'str' ? l.value : l.kind === 'int' ? String(l.value) : l.text;
        const rs = r.kind === 'str' ? r.value : r.kind === 'int' ? String(r.value) : r.text;
        if (node.op === '==') return int(ls === rs ? 1 : 0);
        if (node.op === '!=') return int(ls !== rs ? 1 : 0);
        throw new ExpressionError(`'${node.op}' does not apply to strings`);
      }
      const signed = (l.kind === 'int' && l.signed === true) || (r.kind === 'int' && r.signed === true);
      let a = asNumber(l, 'the left operand');
      let b = asNumber(r, 'the right operand');
      if (signed) {
        a = a | 0;
        b = b | 0;
      }
      switch (node.op) {
        case '+': return int(wrap32(a + b));
        case '-': return int(wrap32(a - b), 4, signed);
        case '*': return int(wrap32(Number(BigInt.asUintN(32, BigInt(Math.trunc(a)) * BigInt(Math.trunc(b))))));
        case '/':
        case '%':
          if (b === 0) throw new ExpressionError('division by zero');
          return int(wrap32(node.op === '/' ? Math.trunc(a / b) : a % b), 4, signed);
        case '&': return int(wrap32(a & b));
        case '|': return int(wrap32(a | b));
        case '^': return int(wrap32(a ^ b));
        case '<<': return int(wrap32(a << (b & 31)));
        case '>>': return int(signed ? (a >> (b & 31)) >>> 0 : a >>> (b & 31));
        case '==': return int(a === b ? 1 : 0);
        case '!=': return int(a !== b ? 1 : 0);
        case '<': return int(a < b ? 1 : 0);
        case '>': return int(a > b ? 1 : 0);
        case '<=': return int(a <= b ? 1 : 0);
        case '>=': return int(a >= b ? 1 : 0);
        default: throw new ExpressionError(`unknown operator ${node.op}`);
      }
    }
    case 'conditional':
      return truthy(evaluateNode(node.test, ctx)) ? evaluateNode(node.then, ctx) : evaluateNode(node.otherwise, ctx);
    case 'cast': {
      const v = asNumber(evaluateNode(node.operand, ctx), 'the value being cast');
      if (node.type.pointer) return { kind: 'int', value: wrap32(v), size: 4, pointer: true };
      return truncate(v, node.type.size, node.type.signed);
    }
    case 'deref':
      return read(ctx, asNumber(evaluateNode(node.address, ctx), 'the address'), node.size, node.signed);
    case 'member': {
      const object = evaluateNode(node.object, ctx);
      if (object.kind !== 'record') throw new ExpressionError(`'${node.member}': the value has no members`);
      const key = Object.keys(object.fields).find((k) => k.toLowerCase() === node.member.toLowerCase());
      if (key === undefined) throw new ExpressionError(`no member '${node.member}' (members: ${Object.keys(object.fields).join(', ')})`);
      return object.fields[key];
    }
    case 'index': {
      const object = evaluateNode(node.object, ctx);
      const i = asNumber(evaluateNode(node.index, ctx), 'the index');
      if (object.kind === 'record' && object.index !== undefined) {
        const v = object.index(i);
        if (v === undefined) throw new ExpressionError(`index ${i} is out of range`);
        return v;
      }
      if (object.kind === 'int' && object.pointer) return read(ctx, wrap32(object.value + i * 4), 4, false);
      throw new ExpressionError('the value cannot be indexed');
    }
    case 'call': {
      const args = node.args.map((a) => evaluateNode(a, ctx));
      const v = ctx.call?.(node.callee, args);
      if (v === undefined) throw new ExpressionError(`unknown function ${node.callee}() (available: pagewalk(address))`);
      return v;
    }
  }
}

function truncate(v: number, size: number, signed: boolean): Value {
  if (size === 8) return int(v, 8, signed);
  const bits = size * 8;
  let n = bits === 32 ? v >>> 0 : v & ((1 << bits) - 1);
  if (signed && n >= 2 ** (bits - 1)) n -= 2 ** bits;
  return int(n, size, signed);
}

function read(ctx: EvalContext, address: number, size: number, signed: boolean): Value {
  if (size === 8) {
    const lo = ctx.readMemory(address, 4);
    const hi = ctx.readMemory(wrap32(address + 4), 4);
    if (lo === undefined || hi === undefined) throw new ExpressionError(`cannot read 8 bytes at 0x${address.toString(16)}: not mapped`);
    return int(hi * 2 ** 32 + lo, 8, signed);
  }
  const v = ctx.readMemory(address, size);
  if (v === undefined) throw new ExpressionError(`cannot read ${size} byte${size === 1 ? '' : 's'} at 0x${(address >>> 0).toString(16)}: not mapped`);
  return truncate(v, size, signed);
}

export function evaluate(text: string, ctx: EvalContext): Value {
  return evaluateNode(parseExpression(text), ctx);
}

export function evaluateCondition(text: string, ctx: EvalContext): boolean {
  return truthy(evaluate(text, ctx));
}

/** Display form: hex and decimal for integers. */
export function formatValue(v: Value): string {
  if (v.kind === 'str') return JSON.stringify(v.value);
  if (v.kind === 'record') return v.text;
  const size = v.size ?? 4;
  if (v.value < 0) return `${v.value}`;
  const digits = size * 2;
  const hex = '0x' + v.value.toString(16).padStart(Math.min(digits, 16), '0');
  return v.value < 10 && !v.pointer ? `${v.value}` : `${hex} (${v.signed && v.value >= 2 ** (size * 8 - 1) ? v.value - 2 ** (size * 8) : v.value})`;
}

export { ExpressionError };
