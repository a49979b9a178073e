// flow.ts — provenance through one function body: locals, assignments,
// conditionals (a join of the branches), returns and calls (the callee's
// summary). It reports what it sees to a sink: each argument passed where a
// contract expects a role, each named binding, each raw next-pointer access,
// each parameter's use, each return; the checks and the summaries are built on it.
import type { SyntaxNode as Node } from './syntax';
import { constantOf, forEachPreprocBranch, PREPROC_CONDITIONALS, type Macros } from './constants';
import type { FunctionSummary } from './contracts';
import { declaredName, type FunctionSyntax } from './functions';
import { mergeValues, offsetValue, roleOfName, roleValue, unknownValue, type PointerRole, type Value } from './provenance';

export interface FlowSink {
  argument?(call: Node, arg: Node, callee: FunctionSummary, index: number, value: Value, certain: boolean): void;
  binding?(at: Node, name: string, role: PointerRole, value: Value, certain: boolean): void;
  rawLink?(access: Node, pointer: Node, store: Node | null, certain: boolean): void;
  paramRole?(param: number, role: PointerRole, chain: readonly string[]): void;
  returned?(value: Value): void;
  pointer?(identifier: Node, value: Value): void;
}

export interface FlowScope {
  readonly macros: Macros;
  readonly userOffset: number | null;
  lookup(name: string): FunctionSummary | undefined;
}

type Env = Map<string, Value>;

const stripParens = (node: Node | null): Node | null => {
  let at = node;
  while (at?.type === 'parenthesized_expression') at = at.namedChildren[0] ?? null;
  return at;
};

/** `*(void **)p` or `((void **)p)[0]`: the pointer operand of a raw link access, or null */
export function rawLinkPointer(node: Node): Node | null {
  let cast: Node | null = null;
  if (node.type === 'pointer_expression' && node.children[0]?.text === '*') cast = stripParens(node.childForFieldName('argument'));
  else if (node.type === 'subscript_expression' && constantOf(node.childForFieldName('index'), new Map()) === 0)
    cast = stripParens(node.childForFieldName('argument'));
  if (cast?.type !== 'cast_expression') return null;
  const type = cast.childForFieldName('type')?.text ?? '';
  return /\*\s*\*\s*$/.test(type) ? cast.childForFieldName('value') : null;
}

export class FunctionFlow {
  private certain = 0;
  private readonly env: Env = new Map();

  constructor(
    private readonly scope: FlowScope,
    private readonly sink: FlowSink,
    private readonly fn: FunctionSyntax,
    summary: FunctionSummary,
  ) {
    fn.params.forEach((param, index) => {
      if (!param.name) return;
      const contract = summary.params[index];
      this.env.set(
        param.name,
        contract?.role
          ? roleValue(contract.role, scope.userOffset, [`parameter \`${param.name}\` is ${contract.role}, ${contract.why}`])
          : { anchor: 'param', param: index, delta: 0, chain: [`parameter \`${param.name}\``] },
      );
    });
  }

  run(): void {
    if (this.fn.body) this.statement(this.fn.body, this.env);
  }

  private get isCertain(): boolean {
    return this.certain === 0;
  }

  private branch(env: Env, walk: (inner: Env) => void): Env {
    const inner = new Map(env);
    walk(inner);
    return inner;
  }

  private join(env: Env, branches: Env[], step: string): void {
    for (const name of new Set(branches.flatMap((b) => [...b.keys()]))) {
      const values = branches.map((b) => b.get(name) ?? env.get(name));
      if (values.some((v) => v === undefined)) continue;
      env.set(
        name,
        values.slice(1).reduce((a, b) => mergeValues(a!, b!, step), values[0])!,
      );
    }
  }

  private statement(node: Node, env: Env): void {
    switch (node.type) {
      case 'compound_statement':
        for (const child of node.namedChildren) this.statement(child, env);
        return;
      case 'declaration':
        for (const declarator of node.namedChildren.filter((c) => c.type === 'init_declarator')) {
          const name = declaredName(declarator.childForFieldName('declarator'));
          const value = this.expression(declarator.childForFieldName('value'), env);
          if (name) this.bind(declarator, name.text, value, env);
        }
        return;
      case 'if_statement': {
        const condition = constantOf(node.childForFieldName('condition'), this.scope.macros);
        this.expression(node.childForFieldName('condition'), env);
        const consequence = node.childForFieldName('consequence');
        const alternative = node.childForFieldName('alternative');
        const elseBody = alternative?.type === 'else_clause' ? (alternative.namedChildren[0] ?? null) : alternative;
        if (condition !== null) {
          const taken = condition !== 0 ? consequence : elseBody;
          if (taken) this.statement(taken, env);
          return;
        }
        const branches = [this.branch(env, (inner) => consequence && this.statement(consequence, inner))];
        branches.push(this.branch(env, (inner) => elseBody && this.statement(elseBody, inner)));
        this.join(env, branches, 'differs between the branches of an if');
        return;
      }
      case 'while_statement':
      case 'for_statement':
      case 'do_statement': {
        const loop = this.branch(env, (inner) => {
          for (const child of node.namedChildren) this.statementOrExpression(child, inner);
        });
        this.join(env, [env, loop], 'changes in a loop');
        return;
      }
      case 'return_statement': {
        const value = this.expression(node.namedChildren[0] ?? null, env);
        this.sink.returned?.(value);
        return;
      }
      default:
        if (PREPROC_CONDITIONALS.has(node.type)) {
          const branches: Env[] = [];
          forEachPreprocBranch(node, this.scope.macros, (children, certain) => {
            if (!certain) this.certain++;
            branches.push(this.branch(env, (inner) => children.forEach((child) => this.statementOrExpression(child, inner))));
            if (!certain) this.certain--;
          });
          this.join(env, branches, 'differs between preprocessor branches');
          return;
        }
        for (const child of node.namedChildren) this.statementOrExpression(child, env);
    }
  }

  private statementOrExpression(node: Node, env: Env): void {
    if (node.type.endsWith('_statement') || node.type === 'declaration' || PREPROC_CONDITIONALS.has(node.type)) this.statement(node, env);
    else if (node.type.endsWith('_expression') || node.type === 'identifier') this.expression(node, env);
    else this.statement(node, env);
  }

  private bind(at: Node, name: string, value: Value, env: Env): void {
    const role = roleOfName(name);
    if (role && value.anchor === 'param' && value.delta === 0)
      this.sink.paramRole?.(value.param!, role, [`assigned to \`${name}\`, named ${role}`]);
    if (role) this.sink.binding?.(at, name, role, value, this.isCertain);
    if (role && value.anchor !== 'BASE' && value.anchor !== 'USER')
      env.set(name, roleValue(role, this.scope.userOffset, [`\`${name}\` is named ${role}`]));
    else env.set(name, value.anchor === null ? value : { ...value, chain: [...value.chain, `assigned to \`${name}\``] });
  }

  private expression(node: Node | null, env: Env): Value {
    if (!node) return unknownValue();
    switch (node.type) {
      case 'identifier': {
        const value = env.get(node.text);
        if (value) {
          this.sink.pointer?.(node, value);
          return value;
        }
        const role = roleOfName(node.text);
        return role ? roleValue(role, this.scope.userOffset, [`\`${node.text}\` is named ${role}`]) : unknownValue();
      }
      case 'parenthesized_expression':
        return this.expression(node.namedChildren.at(-1) ?? null, env);
      case 'cast_expression':
        return this.expression(node.childForFieldName('value'), env);
      case 'comma_expression':
        this.expression(node.childForFieldName('left'), env);
        return this.expression(node.childForFieldName('right'), env);
      case 'conditional_expression': {
        const condition = constantOf(node.childForFieldName('condition'), this.scope.macros);
        if (condition !== null) return this.expression(node.childForFieldName(condition !== 0 ? 'consequence' : 'alternative'), env);
        this.expression(node.childForFieldName('condition'), env);
        const a = this.expression(node.childForFieldName('consequence'), env);
        const b = this.expression(node.childForFieldName('alternative'), env);
        return mergeValues(a, b, `\`${node.text}\` is either of two pointers`);
      }
      case 'assignment_expression':
        return this.assignment(node, env);
      case 'binary_expression':
        return this.arithmetic(node, env);
      case 'call_expression':
        return this.call(node, env);
      case 'pointer_expression':
      case 'subscript_expression': {
        const pointer = rawLinkPointer(node);
        if (pointer) this.sink.rawLink?.(node, pointer, null, this.isCertain);
        for (const child of node.namedChildren) this.expression(child, env);
        return unknownValue();
      }
      default:
        for (const child of node.namedChildren) this.expression(child, env);
        return unknownValue();
    }
  }

  private assignment(node: Node, env: Env): Value {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const operator = node.childForFieldName('operator')?.text ?? '=';
    const pointer = left ? rawLinkPointer(left) : null;
    if (pointer) {
      this.sink.rawLink?.(left!, pointer, node, this.isCertain);
      this.expression(pointer, env);
      return this.expression(right, env);
    }
    const value = this.expression(right, env);
    if (left?.type === 'identifier' && operator === '=') this.bind(node, left.text, value, env);
    else if (left?.type === 'identifier' && (operator === '+=' || operator === '-=')) {
      const delta = constantOf(right, this.scope.macros);
      const current = env.get(left.text) ?? unknownValue();
      env.set(
        left.text,
        delta === null
          ? unknownValue()
          : offsetValue(current, operator === '+=' ? delta : -delta, this.scope.userOffset, `\`${node.text}\``),
      );
    } else this.expression(left, env);
    return value;
  }

  private arithmetic(node: Node, env: Env): Value {
    const operator = node.childForFieldName('operator')?.text;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (operator !== '+' && operator !== '-') {
      this.expression(left, env);
      this.expression(right, env);
      return unknownValue();
    }
    let pointer = this.expression(left, env);
    let offsetNode = right;
    if (pointer.anchor === null && operator === '+') {
      pointer = this.expression(right, env);
      offsetNode = left;
    } else this.expression(right, env);
    if (pointer.anchor === null) return pointer;
    const offset = constantOf(offsetNode, this.scope.macros);
    if (offset === null) return unknownValue([`\`${node.text}\` moves by an amount not known here`]);
    return offsetValue(pointer, operator === '+' ? offset : -offset, this.scope.userOffset, `\`${node.text}\``);
  }

  private call(node: Node, env: Env): Value {
    const name = node.childForFieldName('function');
    const args = node.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
    const values = args.map((arg) => this.expression(arg, env));
    const callee = name?.type === 'identifier' ? this.scope.lookup(name.text) : undefined;
    if (!callee) return unknownValue();
    args.forEach((arg, index) => {
      const contract = callee.params[index];
      if (!contract?.role) return;
      const value = values[index]!;
      const step = `passed to \`${callee.name}\`, whose \`${contract.name ?? `#${index + 1}`}\` expects ${contract.role}`;
      if (value.anchor === 'param' && value.delta === 0) this.sink.paramRole?.(value.param!, contract.role, [step]);
      this.sink.argument?.(node, arg, callee, index, value, this.isCertain);
    });
    const returns = callee.returns;
    if (!returns) return unknownValue();
    if (returns.anchor === 'param') {
      const arg = values[returns.param!];
      if (!arg) return unknownValue();
      return offsetValue(
        arg,
        returns.delta,
        this.scope.userOffset,
        `returned by \`${callee.name}\` (its argument ${returns.delta >= 0 ? '+' : '−'} ${Math.abs(returns.delta)})`,
      );
    }
    return { ...returns, chain: [...returns.chain] };
  }
}
