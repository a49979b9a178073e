// contracts.ts — what a function takes and gives, from every source in order:
// the project file, the malloc API, annotations (SS_BASE / SS_USER), parameter
// names, conversion helpers by name, allocator-like names, and what the body
// shows (summaries inferred by the workspace pass, see workspace.ts).
import type { FunctionSyntax } from './functions';
import type { SourceConfig } from './project';
import { roleOfName, roleValue, type PointerRole, type Value } from './provenance';

export interface ParamContract {
  readonly name: string | null;
  readonly role: PointerRole | null;
  /** why it has that role, for messages: "named `base`" */
  readonly why: string;
}

export interface FunctionSummary {
  readonly name: string;
  readonly params: readonly ParamContract[];
  /** what it returns: a role, or a parameter moved by a delta (a conversion helper's body), or null */
  readonly returns: Value | null;
}

/** The malloc API: every pointer it takes and gives is USER. */
const MALLOC_API: Record<string, { readonly takes: readonly number[]; readonly gives: boolean }> = {
  malloc: { takes: [], gives: true },
  calloc: { takes: [], gives: true },
  realloc: { takes: [0], gives: true },
  reallocarray: { takes: [0], gives: true },
  aligned_alloc: { takes: [], gives: true },
  memalign: { takes: [], gives: true },
  valloc: { takes: [], gives: true },
  pvalloc: { takes: [], gives: true },
  free: { takes: [0], gives: false },
  cfree: { takes: [0], gives: false },
  free_sized: { takes: [0], gives: false },
  free_aligned_sized: { takes: [0], gives: false },
  malloc_usable_size: { takes: [0], gives: false },
};

/** A conversion helper by name: `ss_base_from_user`, `user_to_base`, `ptr_user_to_base`, … */
export function conversionByName(name: string): { readonly from: PointerRole; readonly to: PointerRole } | null {
  const lower = name.toLowerCase();
  if (/base_from_user|user_to_base/.test(lower)) return { from: 'USER', to: 'BASE' };
  if (/user_from_base|base_to_user/.test(lower)) return { from: 'BASE', to: 'USER' };
  return null;
}

/** A free-like name (`hak_tiny_free`, `tiny_free`): its first pointer takes USER unless its name says otherwise. */
const freeLike = (name: string): boolean => /(^|_)free$/.test(name);
/** An allocation-like name (`hak_tiny_alloc`, `ss_malloc`): it gives USER. */
const allocLike = (name: string): boolean => /(^|_)(m|c|re)?alloc$/.test(name);

/** The contract of a function from what is written: its syntax (definition and prototypes merged) and the project file. */
export function declaredSummary(
  name: string,
  syntaxes: readonly FunctionSyntax[],
  config: SourceConfig,
  userOffset: number | null,
): FunctionSummary {
  const project = config.functions.get(name);
  const api = MALLOC_API[name];
  const conversion = conversionByName(name);
  const arity = Math.max(0, ...syntaxes.map((s) => s.params.length), project?.params.length ?? 0, api ? Math.max(-1, ...api.takes) + 1 : 0);
  const firstPointer = syntaxes.map((s) => s.params.findIndex((p) => p.pointer)).find((i) => i >= 0) ?? -1;
  const params: ParamContract[] = [];
  for (let i = 0; i < arity; i++) {
    const names = syntaxes.map((s) => s.params[i]?.name ?? null).filter((n): n is string => n !== null);
    const paramName = syntaxes.find((s) => s.body)?.params[i]?.name ?? names[0] ?? null;
    const annotation = syntaxes.map((s) => s.params[i]?.annotation ?? null).find((a) => a !== null) ?? null;
    const named = names.map(roleOfName).find((r) => r !== null) ?? null;
    let role: PointerRole | null = null;
    let why = '';
    if (project?.params[i]) [role, why] = [project.params[i]!, `by the project file's contract for \`${name}\``];
    else if (api?.takes.includes(i)) [role, why] = ['USER', `as \`${name}\` is the malloc API`];
    else if (annotation) [role, why] = [annotation, `annotated ${annotation === 'BASE' ? 'SS_BASE' : 'SS_USER'}`];
    else if (named) [role, why] = [named, `named \`${names.find((n) => roleOfName(n) !== null)}\``];
    else if (conversion && i === 0) [role, why] = [conversion.from, `as \`${name}\` converts ${conversion.from} to ${conversion.to}`];
    else if (freeLike(name) && i === firstPointer) [role, why] = ['USER', `as \`${name}\` frees`];
    params.push({ name: paramName, role, why });
  }
  let returns: Value | null = null;
  const returnAnnotation = syntaxes.map((s) => s.returnAnnotation).find((a) => a !== null) ?? null;
  if (project?.returns) returns = roleValue(project.returns, userOffset, [`returned by \`${name}\` (project file)`]);
  else if (api?.gives) returns = roleValue('USER', userOffset, [`returned by \`${name}\`, the malloc API`]);
  else if (returnAnnotation) returns = roleValue(returnAnnotation, userOffset, [`returned by \`${name}\`, annotated ${returnAnnotation}`]);
  else if (conversion) returns = roleValue(conversion.to, userOffset, [`returned by \`${name}\`, which converts to ${conversion.to}`]);
  else if (allocLike(name)) returns = roleValue('USER', userOffset, [`returned by \`${name}\`, which allocates`]);
  return { name, params, returns };
}
