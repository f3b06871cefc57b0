/**
 * The debugger's expression language (watch, hover, debug console,
 * breakpoint and event conditions): C-like operators over numbers,
 * registers ($eax or eax), machine variables ($cpu, $apic_id), memory
 * (`*(u32*)0x7000`, `[0x7000]`), members (`$cr0.pg`, `$cs.base`,
 * `lapic.icr`), indexing (`gdt[2]`) and calls (`pagewalk(0xc0001000)`).
 * A hand-written recursive-descent parser: nothing is ever passed to eval.
 */

export type Node =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'name'; name: string }
  | { kind: 'unary'; op: string; operand: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'conditional'; test: Node; then: Node; otherwise: Node }
  | { kind: 'cast'; type: CastType; operand: Node }
  | { kind: 'deref'; size: number; signed: boolean; address: Node }
  | { kind: 'member'; object: Node; member: string }
  | { kind: 'index'; object: Node; index: Node }
  | { kind: 'call'; callee: string; args: Node[] };

export interface CastType {
  size: 1 | 2 | 4 | 8;
  signed: boolean;
  pointer: boolean;
  name: string;
}

export class ExpressionError extends Error {}

const TYPES: Record<string, { size: 1 | 2 | 4 | 8; signed: boolean }> = {
  u8: { size: 1, signed: false }, u16: { size: 2, signed: false }, u32: { size: 4, signed: false }, u64: { size: 8, signed: false },
  i8: { size: 1, signed: true }, i16: { size: 2, signed: true }, i32: { size: 4, signed: true }, i64: { size: 8, signed: true },
  uint8_t: { size: 1, signed: false }, uint16_t: { size: 2, signed: false }, uint32_t: { size: 4, signed: false }, uint64_t: { size: 8, signed: false },
  int8_t: { size: 1, signed: true }, int16_t: { size: 2, signed: true }, int32_t: { size: 4, signed: true }, int64_t: { size: 8, signed: true },
  char: { size: 1, signed: true }, short: { size: 2, signed: true }, int: { size: 4, signed: true }, long: { size: 4, signed: true },
  unsigned: { size: 4, signed: false }, byte: { size: 1, signed: false }, word: { size: 2, signed: false }, dword: { size: 4, signed: false }, qword: { size: 8, signed: false },
};

type Token = { kind: 'num'; value: number } | { kind: 'str'; value: string } | { kind: 'id'; value: string } | { kind: 'op'; value: string } | { kind: 'end' };

const OPERATORS = ['<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '(', ')', '[', ']', '.', ',', '?', ':'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|0b[01]+|[0-9]+)/.exec(text.slice(i));
    if (num !== null) {
      const v = Number(num[1]);
      if (!Number.isFinite(v) || v > Number.MAX_SAFE_INTEGER) throw new ExpressionError(`number ${num[1]} is too large`);
      tokens.push({ kind: 'num', value: v });
      i += num[1].length;
      if (/^[A-Za-z_]/.test(text[i] ?? '')) throw new ExpressionError(`unexpected '${text[i]}' after number ${num[1]}`);
      continue;
    }
    const id = /^\$?[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (id !== null) {
      tokens.push({ kind: 'id', value: id[0] });
      i += id[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ExpressionError('unterminated string');
      const body = text.slice(i + 1, end);
      if (c === "'" && body.length === 1) tokens.push({ kind: 'num', value: body.charCodeAt(0) });
      else tokens.push({ kind: 'str', value: body });
      i = end + 1;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) throw new ExpressionError(`unexpected character '${c}' at column ${i + 1}`);
    tokens.push({ kind: 'op', value: op });
    i += op.length;
  }
  tokens.push({ kind: 'end' });
  return tokens;
}

const BINARY_LEVELS: string[][] = [['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%']];

export function parseExpression(text: string): Node {
  if (text.length > 4096) throw new ExpressionError('expression too long');
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos];
  const isOp = (v: string): boolean => {
    const t = tokens[pos];
    return t.kind === 'op' && t.value === v;
  };
  const expect = (v: string): void => {
    if (!isOp(v)) throw new ExpressionError(`expected '${v}'${describe(peek())}`);
    pos++;
  };

  const castAhead = (): CastType | undefined => {
    // '(' type ['*'] ')'
    const t1 = tokens[pos + 1];
    if (!isOp('(') || t1?.kind !== 'id') return undefined;
    let name = t1.value;
    let k = pos + 2;
    if (name === 'unsigned' && tokens[k]?.kind === 'id' && TYPES[(tokens[k] as { value: string }).value] !== undefined) {
      name = `unsigned ${(tokens[k] as { value: string }).value}`;
      k++;
    }
    const base = name.startsWith('unsigned ') ? { ...TYPES[name.slice(9)], signed: false } : TYPES[name];
    if (base === undefined) return undefined;
    let pointer = false;
    const star = tokens[k];
    if (star?.kind === 'op' && star.value === '*') {
      pointer = true;
      k++;
    }
    const close = tokens[k];
    if (close?.kind !== 'op' || close.value !== ')') return undefined;
    pos = k + 1;
    return { size: base.size, signed: base.signed, pointer, name };
  };

  const primary = (): Node => {
    const t = peek();
    if (t.kind === 'num') {
      pos++;
      return { kind: 'number', value: t.value };
    }
    if (t.kind === 'str') {
      pos++;
      return { kind: 'string', value: t.value };
    }
    if (t.kind === 'id') {
      pos++;
      if (isOp('(')) {
        pos++;
        const args: Node[] = [];
        if (!isOp(')')) {
          args.push(conditional());
          while (isOp(',')) {
            pos++;
            args.push(conditional());
          }
        }
        expect(')');
        return { kind: 'call', callee: t.value, args };
      }
      return { kind: 'name', name: t.value };
    }
    if (isOp('(')) {
      pos++;
      const inner = conditional();
      expect(')');
      return inner;
    }
    if (isOp('[')) {
      // [address]: the dword at a linear address (NASM style).
      pos++;
      const address = conditional();
      expect(']');
      return { kind: 'deref', size: 4, signed: false, address };
    }
    throw new ExpressionError(`expected a value${describe(t)}`);
  };

  const postfix = (): Node => {
    let node = primary();
    for (;;) {
      if (isOp('.')) {
        pos++;
        const t = peek();
        if (t.kind !== 'id') throw new ExpressionError(`expected a member name after '.'${describe(t)}`);
        pos++;
        node = { kind: 'member', object: node, member: t.value };
      } else if (isOp('[')) {
        pos++;
        const index = conditional();
        expect(']');
        node = { kind: 'index', object: node, index };
      } else return node;
    }
  };

  const unary = (): Node => {
    const cast = castAhead();
    if (cast !== undefined) {
      const operand = unary();
      return { kind: 'cast', type: cast, operand };
    }
    const t = peek();
    if (t.kind === 'op' && ['-', '~', '!', '*', '+'].includes(t.value)) {
      pos++;
      const operand = unary();
      if (t.value === '*') {
        if (operand.kind === 'cast' && operand.type.pointer) return { kind: 'deref', size: operand.type.size, signed: operand.type.signed, address: operand.operand };
        return { kind: 'unary', op: '*', operand };
      }
      if (t.value === '+') return operand;
      return { kind: 'unary', op: t.value, operand };
    }
    return postfix();
  };

  const binary = (level: number): Node => {
    if (level >= BINARY_LEVELS.length) return unary();
    let left = binary(level + 1);
    for (;;) {
      const t = peek();
      if (t.kind === 'op' && BINARY_LEVELS[level].includes(t.value)) {
        pos++;
        const right = binary(level + 1);
        left = { kind: 'binary', op: t.value, left, right };
      } else return left;
    }
  };

  const conditional = (): Node => {
    const test = binary(0);
    if (!isOp('?')) return test;
    pos++;
    const then = conditional();
    expect(':');
    const otherwise = conditional();
    return { kind: 'conditional', test, then, otherwise };
  };

  const tree = conditional();
  if (peek().kind !== 'end') throw new ExpressionError(`unexpected ${describe(peek()).replace(/^, got /, '')} after the expression`);
  return tree;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'end': return ', got the end of the expression';
    case 'num': return `, got ${t.value}`;
    case 'str': return `, got "${t.value}"`;
    default: return `, got '${t.value}'`;
  }
}
