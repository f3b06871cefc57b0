/**
 * Variables visible at an address: the formal parameters of the innermost
 * function (subprogram or inlined subroutine), the locals of every scope
 * from the innermost lexical block out to that function (inner names hide
 * outer ones), and the unit's globals (DWARF 5 sections 3.3, 3.5, 4.1).
 * Names, types and declarations come through DW_AT_abstract_origin for
 * inlined and out-of-line instances (3.3.8).
 */
import { DW_AT as DW_AT_, DW_TAG as DW_TAG_ } from './dwarf-constants';
import type { Die, DwarfUnit } from './debug-info';
import { attribute } from './debug-info';
import { dieAttributeOwner, dieLocation, dieName, dieNumber, type DieIndex, type LocationDescription } from './attribute-values';
import type { Scope } from './function-scopes';
import { typeName, type DwarfType, type TypeReader } from './type-model';
// Plain local objects: a transpiled module's named imports are getters, slow in the hot loops.
const DW_AT = DW_AT_;
const DW_TAG = DW_TAG_;

export type VariableKind = 'parameter' | 'local' | 'global';

export interface VariableInfo {
  name: string;
  kind: VariableKind;
  type: DwarfType;
  typeName: string;
  /** Where the value lives; undefined when optimized out entirely. */
  location: LocationDescription | undefined;
  /** DW_AT_const_value: the value itself (integer or bytes). */
  constValue?: number | Uint8Array;
  /** The subprogram whose DW_AT_frame_base applies (undefined for globals). */
  frameBaseDie: Die | undefined;
  declFile?: string;
  declLine?: number;
  die: Die;
}

export interface ScopeVariables {
  parameters: VariableInfo[];
  locals: VariableInfo[];
  globals: VariableInfo[];
}

export function variableFromDie(die: Die, kind: VariableKind, frameBaseDie: Die | undefined, dies: DieIndex, types: TypeReader, filePath: (unit: DwarfUnit, file: number) => string | undefined): VariableInfo | undefined {
  const name = dieName(die, dies);
  if (name === undefined) return undefined;
  const typeOwner = dieAttributeOwner(die, DW_AT.type, dies);
  const type = typeOwner === undefined ? ({ kind: 'void' } as DwarfType) : types.typeOf(typeOwner);
  const constAttr = attribute(die, DW_AT.const_value);
  const declOwner = dieAttributeOwner(die, DW_AT.decl_file, dies);
  const declFileNumber = declOwner === undefined ? undefined : dieNumber(declOwner, DW_AT.decl_file);
  const v: VariableInfo = {
    name, kind, type, typeName: typeName(type), location: dieLocation(die), frameBaseDie, die,
    declFile: declOwner === undefined || declFileNumber === undefined ? undefined : filePath(declOwner.unit, declFileNumber),
    declLine: declOwner === undefined ? undefined : dieNumber(declOwner, DW_AT.decl_line),
  };
  if (constAttr !== undefined && (typeof constAttr.value === 'number' || constAttr.value instanceof Uint8Array)) v.constValue = constAttr.value;
  return v;
}

/** The variables of one scope's own DIE (not of nested scopes). */
function ownVariables(scope: Scope, tag: number, kind: VariableKind, frameBaseDie: Die | undefined, dies: DieIndex, types: TypeReader, filePath: (unit: DwarfUnit, file: number) => string | undefined): VariableInfo[] {
  const out: VariableInfo[] = [];
  const visit = (die: Die): void => {
    for (const child of die.children) {
      if (child.tag === tag) {
        const v = variableFromDie(child, kind, frameBaseDie, dies, types, filePath);
        if (v !== undefined) out.push(v);
      } else if (child.tag === DW_TAG.lexical_block && !scopeHasCode(child)) {
        // A block without addresses (DWARF 5 section 3.5) belongs to its parent's extent.
        visit(child);
      }
    }
  };
  visit(scope.die);
  return out;
}

function scopeHasCode(die: Die): boolean {
  return attribute(die, DW_AT.low_pc) !== undefined || attribute(die, DW_AT.ranges) !== undefined;
}

/** The subprogram DIE that holds the frame base for a scope chain (inlined code uses its caller's frame). */
export function frameBaseOwner(scope: Scope | undefined): Die | undefined {
  for (let s = scope; s !== undefined; s = s.parent) if (s.kind === 'subprogram') return s.die;
  return undefined;
}

export function variablesInScope(innermost: Scope | undefined, globals: VariableInfo[], dies: DieIndex, types: TypeReader, filePath: (unit: DwarfUnit, file: number) => string | undefined): ScopeVariables {
  const result: ScopeVariables = { parameters: [], locals: [], globals };
  if (innermost === undefined) return result;
  const frameBaseDie = frameBaseOwner(innermost);
  const seen = new Set<string>();
  for (let s: Scope | undefined = innermost; s !== undefined; s = s.parent) {
    for (const v of ownVariables(s, DW_TAG.variable, 'local', frameBaseDie, dies, types, filePath)) {
      if (seen.has(v.name)) continue;
      seen.add(v.name);
      result.locals.push(v);
    }
    if (s.kind !== 'block') {
      result.parameters = ownVariables(s, DW_TAG.formal_parameter, 'parameter', frameBaseDie, dies, types, filePath);
      break;
    }
  }
  return result;
}

/** Variables declared at unit level (and static locals are not included): those with a location or a constant. */
export function unitGlobals(unit: DwarfUnit, dies: DieIndex, types: TypeReader, filePath: (unit: DwarfUnit, file: number) => string | undefined): VariableInfo[] {
  const out: VariableInfo[] = [];
  for (const child of unit.root?.children ?? []) {
    if (child.tag !== DW_TAG.variable) continue;
    if (attribute(child, DW_AT.location) === undefined && attribute(child, DW_AT.const_value) === undefined) continue;
    const v = variableFromDie(child, 'global', undefined, dies, types, filePath);
    if (v !== undefined) out.push(v);
  }
  return out;
}
