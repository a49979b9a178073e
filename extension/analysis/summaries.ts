// summaries.ts — what one body shows of its function's contract: a parameter
// passed where a role is expected must have that role, a parameter returned
// moved by the user offset is the other role's (a conversion helper by its body),
// and what it returns. Run with the parameters as declared, so every use of one
// is seen; the workspace iterates these to a fixed point across functions.
import type { FunctionSummary, ParamContract } from './contracts';
import { FunctionFlow, type FlowScope } from './flow';
import type { FunctionSyntax } from './functions';
import { mergeValues, type PointerRole, type Value } from './provenance';
import type { SyntaxNode as Node } from './syntax';

/** the names a body calls directly */
export function calleesOf(body: Node): Set<string> {
  const found = new Set<string>();
  const walk = (node: Node): void => {
    if (node.type === 'call_expression') {
      const callee = node.childForFieldName('function');
      if (callee?.type === 'identifier') found.add(callee.text);
    }
    for (const child of node.namedChildren) walk(child);
  };
  walk(body);
  return found;
}

export function inferSummary(fn: FunctionSyntax, before: FunctionSummary, scope: FlowScope): FunctionSummary {
  const userOffset = scope.userOffset;
  const inferred = new Map<number, { role: PointerRole; chain: readonly string[] } | 'conflict'>();
  let returned: Value | null | undefined;
  const sink = {
    paramRole: (param: number, role: PointerRole, chain: readonly string[]) => {
      const seen = inferred.get(param);
      if (seen === undefined) inferred.set(param, { role, chain });
      else if (seen !== 'conflict' && seen.role !== role) inferred.set(param, 'conflict');
    },
    returned: (value: Value) => {
      returned = returned === undefined ? value : returned && mergeValues(returned, value, '');
      if (returned && returned.anchor === null) returned = null;
    },
  };
  // the body is run with the parameters as declared, so every use of one is seen each time
  new FunctionFlow(scope, sink, fn, before).run();
  if (returned?.anchor === 'param' && userOffset !== null && Math.abs(returned.delta) === userOffset && !inferred.has(returned.param!)) {
    const role: PointerRole = returned.delta < 0 ? 'USER' : 'BASE';
    inferred.set(returned.param!, { role, chain: [`returned ${returned.delta < 0 ? '−' : '+'} ${userOffset} (the user offset)`] });
  }
  const params: ParamContract[] = before.params.map((p, i) => {
    const guess = inferred.get(i);
    if (p.role || !guess || guess === 'conflict') return p;
    return { name: p.name, role: guess.role, why: `as \`${fn.name}\`'s body shows: ${guess.chain.join(', ')}` };
  });
  const returns = before.returns ?? (returned ? { ...returned, chain: [`returned by \`${fn.name}\``, ...returned.chain] } : null);
  const summary: FunctionSummary = { name: fn.name, params, returns };
  return summary;
}
