// workspace.ts — the C files of a workspace analysed together: their trees,
// the macros they define, each function's summary (declared contracts first,
// then what the bodies show, to a fixed point), and per file its diagnostics
// and the provenance of every pointer named (for hovers).
import type { CParser, ParsedText } from './c-parser';
import type { SyntaxNode as Node } from './syntax';
import { collectMacros, functionsOf, type FunctionSyntax } from './functions';
import { conversionByName, declaredSummary, type FunctionSummary, type ParamContract } from './contracts';
import { contains, rangeOf, type SourceDiagnostic, type SourcePosition, type SourceRange } from './diagnostic';
import { FunctionFlow, type FlowScope } from './flow';
import { MisuseChecks, type Converters } from './checks';
import { checkNextOffsets } from './offsets';
import { inLayoutModule, type SourceConfig } from './project';
import { describeValue, mergeValues, sameValue, type PointerRole, type Value } from './provenance';

export interface PointerFact {
  readonly range: SourceRange;
  readonly name: string;
  readonly value: Value;
}

type FileState = ParsedText;

const MAX_ROUNDS = 8;

/** the names a body calls directly */
function calleesOf(body: Node): Set<string> {
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

export class SourceWorkspace {
  private readonly files = new Map<string, FileState>();
  private results: Map<string, { diagnostics: SourceDiagnostic[]; facts: PointerFact[] }> | null = null;
  private summaries = new Map<string, FunctionSummary>();

  constructor(
    private readonly parser: CParser,
    public config: SourceConfig,
  ) {}

  setFile(path: string, text: string): void {
    const old = this.files.get(path);
    if (old?.text === text) return;
    if (!old) {
      // read, not yet edited: its copy only, no tree kept in the parser's memory
      this.files.set(path, { text, tree: null, root: this.parser.parse(text) });
    } else if (!old.tree) {
      // edited for the first time: parsed whole, and the tree kept for the edits to come
      this.files.set(path, this.parser.reparse(text, null));
    } else this.files.set(path, this.parser.reparse(text, old));
    this.results = null;
  }

  removeFile(path: string): void {
    this.files.get(path)?.tree?.delete();
    this.files.delete(path);
    this.results = null;
  }

  setConfig(config: SourceConfig): void {
    this.config = config;
    this.results = null;
  }

  get paths(): string[] {
    return [...this.files.keys()];
  }

  diagnostics(path: string): SourceDiagnostic[] {
    return this.analyse().get(path)?.diagnostics ?? [];
  }

  summary(name: string): FunctionSummary | undefined {
    this.analyse();
    return this.summaries.get(name);
  }

  /** "`ptr` is USER: parameter `ptr_user` …" for the pointer named at `at`, or null */
  hover(path: string, at: SourcePosition): { range: SourceRange; text: string } | null {
    const facts = this.analyse().get(path)?.facts ?? [];
    const fact = facts.find((f) => contains(f.range, at));
    if (!fact) return null;
    const kind = describeValue(fact.value, this.config.userOffset);
    if (kind === 'unknown' && fact.value.chain.length === 0) return null;
    return { range: fact.range, text: `\`${fact.name}\` is ${kind}${fact.value.chain.length ? ': ' + fact.value.chain.join(' → ') : ''}` };
  }

  private analyse(): Map<string, { diagnostics: SourceDiagnostic[]; facts: PointerFact[] }> {
    if (this.results) return this.results;
    const macros = new Map(this.config.defines);
    for (const file of this.files.values()) collectMacros(file.root, macros);
    const syntaxes = new Map<string, FunctionSyntax[]>();
    for (const [path, file] of this.files)
      for (const fn of functionsOf(file.root, path, macros)) syntaxes.set(fn.name, [...(syntaxes.get(fn.name) ?? []), fn]);
    const userOffset = this.config.userOffset;
    const declared = new Map([...syntaxes].map(([name, list]) => [name, declaredSummary(name, list, this.config, userOffset)]));
    for (const name of this.config.functions.keys())
      if (!declared.has(name)) declared.set(name, declaredSummary(name, [], this.config, userOffset));
    for (const name of [
      'malloc',
      'calloc',
      'realloc',
      'free',
      'aligned_alloc',
      'reallocarray',
      'malloc_usable_size',
      'memalign',
      'valloc',
      'pvalloc',
      'cfree',
    ])
      if (!declared.has(name)) declared.set(name, declaredSummary(name, [], this.config, userOffset));
    this.summaries = new Map(declared);
    const scope: FlowScope = { macros, userOffset, lookup: (name) => this.summaries.get(name) };
    const bodies = [...syntaxes.values()].flat().filter((fn) => fn.body);

    // Summaries: what each body passes its parameters to and what it returns, until nothing changes.
    // who calls whom, so a round re-runs only the bodies a changed summary can change
    const callers = new Map<string, Set<string>>();
    for (const fn of bodies) for (const callee of calleesOf(fn.body!)) callers.set(callee, (callers.get(callee) ?? new Set()).add(fn.name));
    let dirty = new Set(bodies.map((fn) => fn.name));
    for (let round = 0; round < MAX_ROUNDS && dirty.size > 0; round++) {
      const next = new Set<string>();
      for (const fn of bodies) {
        if (!dirty.has(fn.name)) continue;
        const current = this.summaries.get(fn.name)!;
        const inferred = new Map<number, { role: PointerRole; chain: readonly string[] } | 'conflict'>();
        let returned: Value | null | undefined;
        const flow = new FunctionFlow(
          scope,
          {
            paramRole: (param, role, chain) => {
              const seen = inferred.get(param);
              if (seen === undefined) inferred.set(param, { role, chain });
              else if (seen !== 'conflict' && seen.role !== role) inferred.set(param, 'conflict');
            },
            returned: (value) => {
              returned = returned === undefined ? value : returned && mergeValues(returned, value, '');
              if (returned && returned.anchor === null) returned = null;
            },
          },
          fn,
          current,
        );
        flow.run();
        const before = declared.get(fn.name)!;
        if (
          returned?.anchor === 'param' &&
          userOffset !== null &&
          Math.abs(returned.delta) === userOffset &&
          !inferred.has(returned.param!)
        ) {
          const role: PointerRole = returned.delta < 0 ? 'USER' : 'BASE';
          inferred.set(returned.param!, { role, chain: [`returned ${returned.delta < 0 ? '−' : '+'} ${userOffset} (the user offset)`] });
        }
        const params: ParamContract[] = before.params.map((p, i) => {
          const guess = inferred.get(i);
          // once inferred a role stays: the next round's body sees the parameter as that role and reports no use of it
          if (p.role) return p;
          if (!guess || guess === 'conflict') return current.params[i] ?? p;
          return { name: p.name, role: guess.role, why: `as \`${fn.name}\`'s body shows: ${guess.chain.join(', ')}` };
        });
        const returns = before.returns ?? (returned ? { ...returned, chain: [`returned by \`${fn.name}\``, ...returned.chain] } : null);
        const summary: FunctionSummary = { name: fn.name, params, returns };
        const same =
          summary.params.length === current.params.length &&
          summary.params.every((p, i) => p.role === current.params[i]!.role) &&
          (summary.returns === null ? current.returns === null : current.returns !== null && sameValue(summary.returns, current.returns));
        if (!same) {
          this.summaries.set(fn.name, summary);
          next.add(fn.name);
          for (const caller of callers.get(fn.name) ?? []) next.add(caller);
        }
      }
      dirty = next;
    }

    const converters = this.converters();
    const results = new Map<string, { diagnostics: SourceDiagnostic[]; facts: PointerFact[] }>();
    for (const path of this.files.keys()) results.set(path, { diagnostics: [], facts: [] });
    for (const fn of bodies) {
      const result = results.get(fn.file)!;
      const allowed = inLayoutModule(this.config, fn.file) || /next_(read|write|ptr)|link/.test(fn.name);
      const checks = new MisuseChecks(scope, fn, converters, allowed);
      const sink = Object.assign(checks, {
        pointer: (identifier: Node, value: Value) => result.facts.push({ range: rangeOf(identifier), name: identifier.text, value }),
      });
      new FunctionFlow(scope, sink, fn, this.summaries.get(fn.name)!).run();
      result.diagnostics.push(...checks.found, ...checkNextOffsets(fn, this.config, macros));
    }
    for (const result of results.values())
      result.diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    this.results = results;
    return results;
  }

  private converters(): Converters {
    let toBase: string | null = null;
    let toUser: string | null = null;
    let nextRead: string | null = null;
    let nextWrite: string | null = null;
    const offset = this.config.userOffset;
    for (const summary of this.summaries.values()) {
      const byName = conversionByName(summary.name);
      const r = summary.returns;
      const byBody = r?.anchor === 'param' && offset !== null && Math.abs(r.delta) === offset ? (r.delta < 0 ? 'BASE' : 'USER') : null;
      const to = byName?.to ?? byBody;
      if (to === 'BASE' && (!toBase || summary.name.length < toBase.length)) toBase = summary.name;
      if (to === 'USER' && (!toUser || summary.name.length < toUser.length)) toUser = summary.name;
      if (/next_read$/.test(summary.name) && summary.params.length === 2) nextRead ??= summary.name;
      if (/next_write$/.test(summary.name) && summary.params.length === 3) nextWrite ??= summary.name;
    }
    return { toBase, toUser, nextRead, nextWrite };
  }
}
