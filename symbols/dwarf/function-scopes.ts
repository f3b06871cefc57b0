/**
 * Functions and the scopes inside them: subprograms (DWARF 5 section
 * 3.3), inlined subroutines with their call site (3.3.8.2: call_file,
 * call_line, call_column) and lexical blocks (3.5), each with its address
 * ranges and its parent scope, as plain data.
 */
import { DW_AT as DW_AT_, DW_TAG as DW_TAG_ } from './dwarf-constants';
import type { Die } from './debug-info';
import { dieName, dieNumber, dieRanges, type AddressRange, type DieIndex } from './attribute-values';
// Plain local objects: a transpiled module's named imports are getters, slow in the hot loops.
const DW_AT = DW_AT_;
const DW_TAG = DW_TAG_;

export type ScopeKind = 'subprogram' | 'inlined' | 'block';

export interface Scope {
  kind: ScopeKind;
  /** Function name (subprogram, inlined); undefined for blocks. */
  name: string | undefined;
  ranges: AddressRange[];
  die: Die;
  /** Enclosing scope (block, inlined subroutine or subprogram). */
  parent: Scope | undefined;
  /** The subprogram or inlined subroutine this scope belongs to (itself for those). */
  functionScope: Scope | undefined;
  /** For inlined subroutines: the call site, as a file register value of the unit's line program. */
  callFile?: number;
  callLine?: number;
  callColumn?: number;
  /** Order of the DIE in the file (later DIEs win ties, as in binutils). */
  order: number;
}

/** Walk every unit's DIE tree and collect the scopes that have code. */
export function collectScopes(roots: Die[], index: DieIndex): Scope[] {
  const scopes: Scope[] = [];
  let order = 0;
  const visit = (die: Die, parent: Scope | undefined): void => {
    let scope: Scope | undefined;
    if (die.tag === DW_TAG.subprogram || die.tag === DW_TAG.inlined_subroutine || die.tag === DW_TAG.lexical_block) {
      const ranges = dieRanges(die);
      const kind: ScopeKind = die.tag === DW_TAG.subprogram ? 'subprogram' : die.tag === DW_TAG.inlined_subroutine ? 'inlined' : 'block';
      if (ranges.length > 0 || kind !== 'block') {
        scope = {
          kind, name: kind === 'block' ? undefined : dieName(die, index), ranges, die, parent,
          functionScope: undefined, order: order++,
        };
        scope.functionScope = kind === 'block' ? parent?.functionScope : scope;
        if (kind === 'inlined') {
          scope.callFile = dieNumber(die, DW_AT.call_file);
          scope.callLine = dieNumber(die, DW_AT.call_line);
          scope.callColumn = dieNumber(die, DW_AT.call_column);
        }
        // Out-of-line subprograms without code (declarations, abstract instances) are not scopes of any address.
        if (ranges.length > 0) scopes.push(scope);
      }
    }
    for (const child of die.children) visit(child, scope ?? parent);
  };
  for (const root of roots) visit(root, undefined);
  return scopes;
}

/**
 * The innermost scope of each address, precomputed as disjoint segments
 * (sweep over range ends with a heap ordered by range length), so a lookup
 * is one binary search. `select` picks which scopes take part.
 */
export class InnermostScopeMap {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly owners: Scope[] = [];

  constructor(scopes: Scope[], select: (s: Scope) => boolean) {
    interface Item { low: number; high: number; scope: Scope }
    const items: Item[] = [];
    for (const s of scopes) if (select(s)) for (const r of s.ranges) items.push({ low: r.low, high: r.high, scope: s });
    if (items.length === 0) return;
    items.sort((a, b) => a.low - b.low);
    const points = [...new Set(items.flatMap((i) => [i.low, i.high]))].sort((a, b) => a - b);
    // Heap of active items: shortest first; equal lengths: later DIE first.
    const heap: Item[] = [];
    const better = (a: Item, b: Item): boolean => {
      const la = a.high - a.low, lb = b.high - b.low;
      return la < lb || (la === lb && a.scope.order > b.scope.order);
    };
    const push = (it: Item): void => {
      heap.push(it);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!better(heap[i], heap[p])) break;
        [heap[i], heap[p]] = [heap[p], heap[i]];
        i = p;
      }
    };
    const pop = (): void => {
      const last = heap.pop()!;
      if (heap.length === 0) return;
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && better(heap[l], heap[m])) m = l;
        if (r < heap.length && better(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    };
    let next = 0;
    for (let p = 0; p < points.length - 1; p++) {
      const start = points[p], end = points[p + 1];
      while (next < items.length && items[next].low <= start) push(items[next++]);
      while (heap.length > 0 && heap[0].high <= start) pop();
      if (heap.length === 0) continue;
      const owner = heap[0].scope;
      const last = this.owners.length - 1;
      if (last >= 0 && this.owners[last] === owner && this.ends[last] === start) this.ends[last] = end;
      else {
        this.starts.push(start);
        this.ends.push(end);
        this.owners.push(owner);
      }
    }
  }

  lookup(address: number): Scope | undefined {
    let lo = 0, hi = this.starts.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && address < this.ends[found] ? this.owners[found] : undefined;
  }
}
