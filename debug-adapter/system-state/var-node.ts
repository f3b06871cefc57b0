/**
 * A tree of named values the debugger shows (scopes, expandable records),
 * independent of DAP: the session turns nodes into Variables with handles.
 */
export interface VarNode {
  name: string;
  value: string;
  type?: string;
  /** Linear address the Memory view opens on. */
  memoryReference?: number;
  /** Expression that evaluates to this value (for watch / copy as expression). */
  evaluateName?: string;
  children?: () => VarNode[];
  /** Edit: returns the new display value, or throws an Error with a message for the user. */
  set?: (text: string) => string;
}

export { hex } from '../../run-control/hex';

export function leaf(name: string, value: string, type?: string, extra: Partial<VarNode> = {}): VarNode {
  return { name, value, type, ...extra };
}
