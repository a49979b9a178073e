// checks.ts — the misuse diagnostics, from what a function's flow reports:
// USER where BASE is expected (the seeds' E1), BASE where USER is expected, an
// interior pointer passed as either, a name that disagrees with what it holds,
// and a raw next-pointer access outside the layout module (the seeds' E3 class).
// Only code the defines make certain is diagnosed; each comes with its fix.
import type { SyntaxNode as Node } from './syntax';
import { constantOf } from './constants';
import type { FunctionSummary } from './contracts';
import { rangeOf, type SourceDiagnostic, type SourceFix } from './diagnostic';
import type { FlowScope, FlowSink } from './flow';
import type { FunctionSyntax } from './functions';
import { describeValue, kindOf, offsetValue, type PointerRole, type Value } from './provenance';

export interface Converters {
  /** a workspace function turning USER into BASE, and one the other way */
  readonly toBase: string | null;
  readonly toUser: string | null;
  /** the layout module's link functions: (cls, base) and (cls, base, next) */
  readonly nextRead: string | null;
  readonly nextWrite: string | null;
}

const stripParens = (node: Node): Node =>
  node.type === 'parenthesized_expression' && node.namedChildren[0] ? stripParens(node.namedChildren[0]) : node;
const CLASS_NAMES = /\b(cls|class_idx|size_class|class_index)\b/;

export class MisuseChecks implements FlowSink {
  readonly found: SourceDiagnostic[] = [];

  constructor(
    private readonly scope: FlowScope,
    private readonly fn: FunctionSyntax,
    private readonly converters: Converters,
    private readonly rawLinksAllowed: boolean,
  ) {}

  /** `text` turned into `role` from `kind`: the workspace's helper, or the arithmetic the layout description gives */
  private convert(text: string, from: PointerRole, to: PointerRole): string | null {
    const helper = to === 'BASE' ? this.converters.toBase : this.converters.toUser;
    if (helper) return `${helper}(${text})`;
    const offset = this.scope.userOffset;
    if (offset === null) return null;
    return `(void *)((char *)${/^[\w.>-]+$/.test(text) ? text : `(${text})`} ${from === 'USER' ? '-' : '+'} ${offset})`;
  }

  /** a fix making `node` (holding `value`) a `role` pointer */
  private fixFor(node: Node, value: Value, role: PointerRole): SourceFix | null {
    const kind = kindOf(value, this.scope.userOffset);
    const inner = stripParens(node);
    let text: string | null = null;
    if (kind === 'USER' || kind === 'BASE') text = this.convert(node.text, kind, role);
    else if (kind === 'interior' && inner.type === 'binary_expression') {
      // `p + 3`: the pointer the offset was added to, converted as needed
      const moved = constantOf(inner.childForFieldName('right'), this.scope.macros);
      const sign = inner.childForFieldName('operator')?.text === '-' ? -1 : 1;
      const left = inner.childForFieldName('left');
      if (moved !== null && left) {
        const origin = stripParens(left.type === 'cast_expression' ? (left.childForFieldName('value') ?? left) : left);
        const originKind = kindOf(offsetValue(value, -sign * moved, this.scope.userOffset, ''), this.scope.userOffset);
        if (originKind === role) text = origin.text;
        else if (originKind === 'BASE' || originKind === 'USER') text = this.convert(origin.text, originKind, role);
      }
    }
    if (text === null) return null;
    return {
      title: `Pass ${role}: ${text}`,
      edits: [
        {
          get range() {
            return rangeOf(node);
          },
          newText: text,
        },
      ],
    };
  }

  argument(call: Node, arg: Node, callee: FunctionSummary, index: number, value: Value, certain: boolean): void {
    if (!certain) return;
    const contract = callee.params[index]!;
    const role = contract.role!;
    const kind = kindOf(value, this.scope.userOffset);
    if (kind === 'unknown' || kind === role) return;
    const param = contract.name ? `\`${contract.name}\`` : `argument ${index + 1}`;
    const code = kind === 'interior' ? 'interior-pointer' : kind === 'USER' ? 'user-as-base' : 'base-as-user';
    const step = `passed to \`${callee.name}\`, whose ${param} expects ${role} (${contract.why})`;
    const chain = [...value.chain, step];
    this.found.push({
      file: this.fn.file,
      get range() {
        return rangeOf(arg);
      },
      code,
      severity: 'error',
      message: `\`${arg.text}\` is ${describeValue(value, this.scope.userOffset)} where \`${callee.name}\` expects ${role} for ${param}: ${chain.join(' → ')}`,
      chain,
      fix: this.fixFor(arg, value, role),
    });
    void call;
  }

  binding(at: Node, name: string, role: PointerRole, value: Value, certain: boolean): void {
    const kind = kindOf(value, this.scope.userOffset);
    if (!certain || kind === 'unknown' || kind === role) return;
    const valueNode = at.childForFieldName('value') ?? at.childForFieldName('right');
    this.found.push({
      file: this.fn.file,
      get range() {
        return rangeOf(valueNode ?? at);
      },
      code: kind === 'interior' ? 'interior-pointer' : 'name-disagrees',
      severity: 'warning',
      message: `\`${name}\` is named ${role} but is given ${describeValue(value, this.scope.userOffset)}: ${value.chain.join(' → ')}`,
      chain: value.chain,
      fix: valueNode ? this.fixFor(valueNode, value, role) : null,
    });
  }

  rawLink(access: Node, pointer: Node, store: Node | null, certain: boolean): void {
    if (!certain || this.rawLinksAllowed) return;
    const classVar = CLASS_NAMES.exec(this.fn.node.text)?.[1] ?? null;
    const inner = stripParens(pointer);
    const offset = inner.type === 'binary_expression' ? constantOf(inner.childForFieldName('right'), this.scope.macros) : null;
    const operand = inner.type === 'binary_expression' && offset !== null ? inner.childForFieldName('left') : inner;
    const base = operand
      ? stripParens(operand.type === 'cast_expression' ? (operand.childForFieldName('value') ?? operand) : operand).text
      : pointer.text;
    let fix: SourceFix | null = null;
    if (classVar && store && this.converters.nextWrite) {
      const value = store.childForFieldName('right')?.text ?? '';
      fix = {
        title: `Write the link with ${this.converters.nextWrite}`,
        edits: [
          {
            get range() {
              return rangeOf(store);
            },
            newText: `${this.converters.nextWrite}(${classVar}, ${base}, ${value})`,
          },
        ],
      };
    } else if (classVar && !store && this.converters.nextRead) {
      fix = {
        title: `Read the link with ${this.converters.nextRead}`,
        edits: [
          {
            get range() {
              return rangeOf(access);
            },
            newText: `${this.converters.nextRead}(${classVar}, ${base})`,
          },
        ],
      };
    }
    const what = store ? 'store' : 'load';
    this.found.push({
      file: this.fn.file,
      get range() {
        return rangeOf(store ?? access);
      },
      code: 'raw-next-pointer',
      severity: 'warning',
      message: `raw next-pointer ${what} \`${access.text}\` outside the layout module: the link's offset depends on the class (the seeds' E3 wrote it at the wrong one); ${store ? 'write' : 'read'} it through the layout module${fix ? ` (${store ? this.converters.nextWrite : this.converters.nextRead})` : ''}`,
      chain: [],
      fix,
    });
  }
}
