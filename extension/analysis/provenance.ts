// provenance.ts — what a pointer expression is: BASE, USER, interior or unknown,
// and how that was learnt (the chain a hover shows). A value is kept as an
// anchor and a byte delta, so arithmetic composes: USER − user offset is BASE,
// BASE + user offset is USER, any other constant offset is interior.

export type PointerKind = 'BASE' | 'USER' | 'interior' | 'unknown';
/** the role a parameter or variable has by contract */
export type PointerRole = 'BASE' | 'USER';

export interface Value {
  /** BASE (USER is BASE + user offset once the offset is known), USER when no offset is known, a parameter of the function, or nothing known */
  readonly anchor: 'BASE' | 'USER' | 'param' | null;
  readonly delta: number;
  /** the parameter's index when anchor is 'param' */
  readonly param?: number;
  /** how this was learnt, first step first */
  readonly chain: readonly string[];
}

export const unknownValue = (chain: readonly string[] = []): Value => ({ anchor: null, delta: 0, chain });

export function roleValue(role: PointerRole, userOffset: number | null, chain: readonly string[]): Value {
  if (role === 'USER' && userOffset !== null) return { anchor: 'BASE', delta: userOffset, chain };
  return { anchor: role, delta: 0, chain };
}

export function kindOf(value: Value, userOffset: number | null): PointerKind {
  if (value.anchor === 'BASE') {
    if (value.delta === 0) return 'BASE';
    if (userOffset !== null && value.delta === userOffset) return 'USER';
    return 'interior';
  }
  if (value.anchor === 'USER') return value.delta === 0 ? 'USER' : 'interior';
  return 'unknown';
}

/** `value` moved by `delta` bytes */
export function offsetValue(value: Value, delta: number, userOffset: number | null, step: string): Value {
  if (value.anchor === null) return value;
  const moved = { ...value, delta: value.delta + delta, chain: [...value.chain, step] };
  if (moved.anchor === 'USER' && userOffset !== null) return { ...moved, anchor: 'BASE', delta: moved.delta + userOffset };
  return moved;
}

export function sameValue(a: Value, b: Value): boolean {
  return a.anchor === b.anchor && a.delta === b.delta && a.param === b.param;
}

/** the join of two values reaching one point: the same, or unknown */
export function mergeValues(a: Value, b: Value, step: string): Value {
  if (sameValue(a, b)) return a.chain.length <= b.chain.length ? a : b;
  return unknownValue([step]);
}

/** The role a variable's or parameter's name gives it: `base`, `head_base`, `base_ptr`, `user`, `ptr_user`, … */
export function roleOfName(name: string): PointerRole | null {
  const lower = name.toLowerCase();
  if (/^(?:\w+_)?base(?:_ptr)?$/.test(lower)) return 'BASE';
  if (/^(?:\w+_)?user(?:_ptr)?$/.test(lower)) return 'USER';
  return null;
}

export function describeValue(value: Value, userOffset: number | null): string {
  const kind = kindOf(value, userOffset);
  if (kind !== 'interior') return kind;
  // said from the nearer of the two a reader knows: USER + 3 rather than BASE + 4
  const fromUser = value.anchor === 'USER' || (userOffset !== null && value.delta > userOffset);
  const delta = value.anchor === 'USER' || userOffset === null || !fromUser ? value.delta : value.delta - userOffset;
  return `interior (${fromUser ? 'USER' : 'BASE'} ${delta >= 0 ? '+' : '−'} ${Math.abs(delta)})`;
}
