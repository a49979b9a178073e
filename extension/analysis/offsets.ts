// offsets.ts — a next-pointer offset written in the source that disagrees with
// the layout description for the class in hand: `if (cls == 0) return 1;`, a
// `next_offset[8] = {…}` table, `(cls == 0 || cls == 7) ? 0 : 1`, in functions
// and tables whose name says they give the next offset. The seeds' E3-FINAL
// put C0's link at offset 1, nine bytes in an eight-byte block.
import type { SyntaxNode as Node } from './syntax';
import { constantOf, forEachPreprocBranch, PREPROC_CONDITIONALS, type Macros } from './constants';
import { rangeOf, type SourceDiagnostic } from './diagnostic';
import { declaredName, type FunctionSyntax } from './functions';
import type { SourceConfig } from './project';

const NEXT_OFFSET_NAME = /next_?off/i;
const CLASS_VAR = /^(cls|class_idx|size_class|class_index|klass)$/;

/** The classes a condition holds for (`cls == 0`, `cls == 0 || cls == 7`, `INJECT && cls == 0`), or null. */
function classesOf(node: Node | null, macros: Macros, count: number): Set<number> | null {
  if (!node) return null;
  if (node.type === 'parenthesized_expression' || node.type === 'condition_clause')
    return classesOf(node.namedChildren.at(-1) ?? null, macros, count);
  if (node.type !== 'binary_expression') return null;
  const op = node.childForFieldName('operator')?.text;
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (op === '==') {
    const [variable, value] = CLASS_VAR.test(left?.text ?? '') ? [left, right] : [right, left];
    const cls = constantOf(value, macros);
    return CLASS_VAR.test(variable?.text ?? '') && cls !== null ? new Set([cls]) : null;
  }
  if (op === '||') {
    const a = classesOf(left, macros, count);
    const b = classesOf(right, macros, count);
    return a && b ? new Set([...a, ...b]) : null;
  }
  if (op === '&&') {
    // a conjunct the defines make true drops out; one they make false leaves no class
    const a = constantOf(left, macros);
    const b = constantOf(right, macros);
    if (a === 0 || b === 0) return new Set();
    if (a !== null) return classesOf(right, macros, count);
    if (b !== null) return classesOf(left, macros, count);
  }
  return null;
}

/** the constant a returned expression ends in (`*site = X, 1u` gives 1u), and its node */
function returnedConstant(node: Node | null, macros: Macros): { node: Node; value: number } | null {
  let at = node;
  while (at && (at.type === 'comma_expression' || at.type === 'parenthesized_expression'))
    at = at.type === 'comma_expression' ? at.childForFieldName('right') : (at.namedChildren[0] ?? null);
  const value = constantOf(at, macros);
  return at && value !== null ? { node: at, value } : null;
}

export function checkNextOffsets(fn: FunctionSyntax, config: SourceConfig, macros: Macros): SourceDiagnostic[] {
  const expected = config.nextOffsets;
  if (!expected || !fn.body || !NEXT_OFFSET_NAME.test(fn.body.text + fn.name)) return [];
  const found: SourceDiagnostic[] = [];
  const inFunction = NEXT_OFFSET_NAME.test(fn.name);
  // one diagnostic per written offset, naming every class it is wrong for
  const wrong = new Map<number, { at: Node; value: number; classes: number[] }>();
  /** the classes each written offset serves: a fix rewrites it only when they all want one value */
  const served = new Map<number, Set<number>>();
  const report = (at: Node, cls: number, value: number): void => {
    const want = expected[cls];
    served.set(at.id, (served.get(at.id) ?? new Set()).add(cls));
    if (want === undefined || want === value) return;
    const entry = wrong.get(at.id) ?? { at, value, classes: [] };
    entry.classes.push(cls);
    wrong.set(at.id, entry);
  };
  const conditional = (node: Node | null, otherwise: Set<number>): void => {
    if (node?.type !== 'conditional_expression') return;
    const classes = classesOf(node.childForFieldName('condition'), macros, expected.length);
    if (!classes) return;
    const yes = returnedConstant(node.childForFieldName('consequence'), macros);
    const no = returnedConstant(node.childForFieldName('alternative'), macros);
    for (const cls of classes) if (yes && !otherwise.has(cls)) report(yes.node, cls, yes.value);
    for (let cls = 0; cls < expected.length; cls++) if (no && !classes.has(cls) && !otherwise.has(cls)) report(no.node, cls, no.value);
  };
  const walk = (node: Node, decided: Set<number>): void => {
    if (PREPROC_CONDITIONALS.has(node.type)) {
      forEachPreprocBranch(node, macros, (children, certain) => certain && children.forEach((child) => walk(child, decided)));
      return;
    }
    if (node.type === 'declaration') {
      for (const init of node.namedChildren.filter((c) => c.type === 'init_declarator')) {
        const name = declaredName(init.childForFieldName('declarator'))?.text ?? '';
        const value = init.childForFieldName('value');
        if (NEXT_OFFSET_NAME.test(name) && value?.type === 'initializer_list')
          value.namedChildren.forEach((element, cls) => {
            const offset = constantOf(element, macros);
            if (offset !== null && !decided.has(cls)) report(element, cls, offset);
          });
        else if (inFunction || NEXT_OFFSET_NAME.test(name)) conditional(value, decided);
      }
      return;
    }
    if (!inFunction) {
      node.namedChildren.forEach((child) => walk(child, decided));
      return;
    }
    if (node.type === 'if_statement') {
      const classes = classesOf(node.childForFieldName('condition'), macros, expected.length);
      const consequence = node.childForFieldName('consequence');
      const ret =
        consequence?.type === 'return_statement' ? consequence : consequence?.namedChildren.find((c) => c.type === 'return_statement');
      const value = returnedConstant(ret?.namedChildren[0] ?? null, macros);
      if (classes && value) for (const cls of classes) if (!decided.has(cls)) report(value.node, cls, value.value);
      if (classes && ret) for (const cls of classes) decided.add(cls);
      node.namedChildren.forEach((child) => walk(child, decided));
      return;
    }
    if (node.type === 'return_statement') {
      conditional(node.namedChildren[0] ?? null, decided);
      return;
    }
    node.namedChildren.forEach((child) => walk(child, decided));
  };
  walk(fn.body, new Set());
  for (const { at, value, classes } of wrong.values()) {
    const wants = [...new Set([...served.get(at.id)!].map((cls) => expected[cls]!))];
    const names = classes.map((cls) => `C${cls}`).join(', ');
    found.push({
      file: fn.file,
      get range() {
        return rangeOf(at);
      },
      code: 'next-offset',
      severity: 'error',
      message: `${names}: the next pointer is at offset ${value} here, but the layout description (${config.layoutName}) puts it at ${classes.map((cls) => `${expected[cls]} for C${cls}`).join(', ')}`,
      chain: [
        `\`${fn.name}\` gives the next offset`,
        ...classes.map((cls) => `layout description: classes[${cls}].nextOffset = ${expected[cls]}`),
      ],
      fix:
        wants.length === 1
          ? {
              title: `Use the layout description's offset ${wants[0]}`,
              edits: [
                {
                  get range() {
                    return rangeOf(at);
                  },
                  newText: String(wants[0]),
                },
              ],
            }
          : null,
    });
  }
  return found;
}
