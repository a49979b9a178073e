// workspace.ts — the C files of a workspace analysed together: their trees,
// the macros they define, each function's summary (declared contracts first,
// then what the bodies show, to a fixed point), and per file its diagnostics
// and the provenance of every pointer named (for hovers).
import type { CParser, ParsedText } from './c-parser';
import type { SyntaxNode as Node } from './syntax';
import { collectMacros, functionsOf, type FunctionSyntax } from './functions';
import { conversionByName, declaredSummary, type FunctionSummary } from './contracts';
import { contains, rangeOf, type SourceDiagnostic, type SourcePosition, type SourceRange } from './diagnostic';
import type { Macros } from './constants';
import { FunctionFlow, type FlowScope } from './flow';
import { calleesOf, inferSummary } from './summaries';
import { MisuseChecks, type Converters } from './checks';
import { checkNextOffsets } from './offsets';
import { inLayoutModule, type SourceConfig } from './project';
import { describeValue, sameValue, type Value } from './provenance';

export interface PointerFact {
  /** the identifier naming the pointer (its range is read when asked: it moves with edits) */
  readonly node: Node;
  readonly value: Value;
}

interface CheckedBody {
  readonly summary: FunctionSummary;
  readonly key: string;
  readonly config: SourceConfig;
  readonly callees: Map<string, FunctionSummary | undefined>;
  readonly diagnostics: readonly SourceDiagnostic[];
  readonly facts: readonly PointerFact[];
}

type FileState = ParsedText;

const MAX_ROUNDS = 8;
const MALLOC_NAMES = [
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
];

export class SourceWorkspace {
  private readonly files = new Map<string, FileState>();
  private results: Map<string, { diagnostics: SourceDiagnostic[]; facts: PointerFact[] }> | null = null;
  private summaries = new Map<string, FunctionSummary>();
  /** each function's declared contract as the last analysis made it */
  private declaredOf = new Map<string, FunctionSummary>();
  private readonly syntaxCache = new WeakMap<Node, FunctionSyntax | null>();
  private readonly declaredCache = new Map<string, { config: SourceConfig; syntaxes: FunctionSyntax[]; summary: FunctionSummary }>();
  private readonly calleeCache = new WeakMap<FunctionSyntax, Set<string>>();
  private readonly inferCache = new WeakMap<
    FunctionSyntax,
    { before: FunctionSummary; macrosKey: string; callees: Map<string, FunctionSummary | undefined>; summary: FunctionSummary }
  >();
  private readonly checkCache = new WeakMap<FunctionSyntax, CheckedBody>();

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

  /** A file opened for editing keeps its parse tree from now on, so its first keystroke is parsed incrementally too. */
  keepTree(path: string): void {
    const file = this.files.get(path);
    if (file && !file.tree) this.files.set(path, { ...file, tree: this.parser.parseTree(file.text) });
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
    const result = this.analyse().get(path);
    const fact = result?.facts.find((f) => contains(rangeOf(f.node), at));
    if (!fact) return null;
    const kind = describeValue(fact.value, this.config.userOffset);
    // a pointer a diagnostic is about: its chain goes on to where it was passed
    const diagnostic = result!.diagnostics.find((d) => d.chain.length > fact.value.chain.length && contains(d.range, at));
    const chain = diagnostic?.chain ?? fact.value.chain;
    if (kind === 'unknown' && chain.length === 0) return null;
    return { range: rangeOf(fact.node), text: `\`${fact.node.text}\` is ${kind}${chain.length ? ': ' + chain.join(' → ') : ''}` };
  }

  private analyse(): Map<string, { diagnostics: SourceDiagnostic[]; facts: PointerFact[] }> {
    if (this.results) return this.results;
    const macros = new Map(this.config.defines);
    for (const file of this.files.values()) collectMacros(file.root, macros);
    const macrosKey = JSON.stringify([...macros]);
    const syntaxes = new Map<string, FunctionSyntax[]>();
    for (const [path, file] of this.files)
      for (const fn of functionsOf(file.root, path, macros, this.syntaxCache))
        syntaxes.set(fn.name, [...(syntaxes.get(fn.name) ?? []), fn]);
    const userOffset = this.config.userOffset;
    const declared = new Map<string, FunctionSummary>();
    const names = new Set([...syntaxes.keys(), ...this.config.functions.keys(), ...MALLOC_NAMES]);
    for (const name of names) declared.set(name, this.declared(name, syntaxes.get(name) ?? []));
    // start from the last fixed point where a function's contracts are unchanged: an edit re-runs what it touched
    const previous = this.summaries;
    this.summaries = new Map(
      [...declared].map(([name, summary]) => [name, this.declaredOf.get(name) === summary ? (previous.get(name) ?? summary) : summary]),
    );
    this.declaredOf = declared;
    const scope: FlowScope = { macros, userOffset, lookup: (name) => this.summaries.get(name) };
    const bodies = [...syntaxes.values()].flat().filter((fn) => fn.body);

    // Summaries: what each body passes its parameters to and what it returns, until nothing changes;
    // a round re-runs only the bodies whose callees' summaries changed
    const callers = new Map<string, Set<string>>();
    for (const fn of bodies) for (const callee of this.callees(fn)) callers.set(callee, (callers.get(callee) ?? new Set()).add(fn.name));
    let dirty = new Set(bodies.map((fn) => fn.name));
    for (let round = 0; round < MAX_ROUNDS && dirty.size > 0; round++) {
      const next = new Set<string>();
      for (const fn of bodies) {
        if (!dirty.has(fn.name)) continue;
        const current = this.summaries.get(fn.name)!;
        const summary = this.infer(fn, declared.get(fn.name)!, scope, macrosKey);
        if (summary === current) continue;
        const same =
          summary.params.length === current.params.length &&
          summary.params.every((p, i) => p.role === current.params[i]!.role) &&
          (summary.returns === null ? current.returns === null : current.returns !== null && sameValue(summary.returns, current.returns));
        this.summaries.set(fn.name, summary);
        if (!same) {
          next.add(fn.name);
          for (const caller of callers.get(fn.name) ?? []) next.add(caller);
        }
      }
      dirty = next;
    }

    const converters = this.converters();
    const convertersKey = JSON.stringify(converters);
    const results = new Map<string, { diagnostics: SourceDiagnostic[]; facts: PointerFact[] }>();
    for (const path of this.files.keys()) results.set(path, { diagnostics: [], facts: [] });
    for (const fn of bodies) {
      const result = results.get(fn.file)!;
      const checked = this.check(fn, scope, converters, `${macrosKey}${convertersKey}`, macros);
      result.diagnostics.push(...checked.diagnostics);
      for (const fact of checked.facts) result.facts.push(fact);
    }
    for (const result of results.values())
      result.diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    this.results = results;
    return results;
  }

  /** A function's declared contract, the same object while its syntax and the configuration are */
  private declared(name: string, syntaxes: FunctionSyntax[]): FunctionSummary {
    const cached = this.declaredCache.get(name);
    if (
      cached &&
      cached.config === this.config &&
      cached.syntaxes.length === syntaxes.length &&
      cached.syntaxes.every((s, i) => s === syntaxes[i])
    )
      return cached.summary;
    const summary = declaredSummary(name, syntaxes, this.config, this.config.userOffset);
    this.declaredCache.set(name, { config: this.config, syntaxes, summary });
    return summary;
  }

  private callees(fn: FunctionSyntax): Set<string> {
    let callees = this.calleeCache.get(fn);
    if (!callees) this.calleeCache.set(fn, (callees = calleesOf(fn.body!)));
    return callees;
  }

  /** whether `inputs` (the callees' summaries a run saw) are the summaries now */
  private sameCallees(seen: ReadonlyMap<string, FunctionSummary | undefined>): boolean {
    for (const [name, summary] of seen) if (this.summaries.get(name) !== summary) return false;
    return true;
  }

  private calleeSummaries(fn: FunctionSyntax): Map<string, FunctionSummary | undefined> {
    return new Map([...this.callees(fn)].map((name) => [name, this.summaries.get(name)]));
  }

  /** A body's summary from its declared contract and its callees' summaries (kept while they are unchanged) */
  private infer(fn: FunctionSyntax, before: FunctionSummary, scope: FlowScope, macrosKey: string): FunctionSummary {
    const cached = this.inferCache.get(fn);
    if (cached && cached.before === before && cached.macrosKey === macrosKey && this.sameCallees(cached.callees)) return cached.summary;
    const callees = this.calleeSummaries(fn);
    const summary = inferSummary(fn, before, scope);
    this.inferCache.set(fn, { before, macrosKey, callees, summary });
    return summary;
  }

  /**
   * A body's diagnostics and pointer facts: kept from the last analysis while nothing they depend on
   * changed (their ranges are read from the nodes, which move with edits), else its flow run again.
   */
  private check(fn: FunctionSyntax, scope: FlowScope, converters: Converters, key: string, macros: Macros): CheckedBody {
    const summary = this.summaries.get(fn.name)!;
    const cached = this.checkCache.get(fn);
    if (cached && cached.summary === summary && cached.key === key && cached.config === this.config && this.sameCallees(cached.callees))
      return cached;
    const allowed = inLayoutModule(this.config, fn.file) || /next_(read|write|ptr)/.test(fn.name);
    const checks = new MisuseChecks(scope, fn, converters, allowed);
    const facts: PointerFact[] = [];
    const sink = Object.assign(checks, { pointer: (node: Node, value: Value) => facts.push({ node, value }) });
    new FunctionFlow(scope, sink, fn, summary).run();
    const checked = {
      summary,
      key,
      config: this.config,
      callees: this.calleeSummaries(fn),
      diagnostics: [...checks.found, ...checkNextOffsets(fn, this.config, macros)],
      facts,
    };
    this.checkCache.set(fn, checked);
    return checked;
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
