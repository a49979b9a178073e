// constants.ts — integer constant expressions: literals, macros with a known
// value (the configured defines first, then `#define NAME 1` lines seen in the
// workspace), and the preprocessor's #if/#ifdef, evaluated when they can be.
// Anything else is unknown (null), never a guess.
import type { SyntaxNode as Node } from './syntax';

export type Macros = ReadonlyMap<string, number>;

export function integerLiteral(text: string): number | null {
  const match = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)[uUlL]*$/.exec(text.trim());
  if (!match) return null;
  const digits = match[1]!;
  const value = digits.length > 1 && digits.startsWith('0') && !/^0[xX]/.test(digits) ? parseInt(digits, 8) : Number(digits);
  return Number.isSafeInteger(value) ? value : null;
}

/** A macro body that is one integer, maybe parenthesised: `1u`, `(16)`, `0x0` */
export function macroBodyValue(text: string): number | null {
  const body = text
    .replace(/\/\*.*?\*\//g, '')
    .replace(/\/\/.*$/, '')
    .trim();
  const inner = /^\(\s*(.*?)\s*\)$/.exec(body)?.[1] ?? body;
  return integerLiteral(inner);
}

const binary: Record<string, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '<<': (a, b) => a << b,
  '>>': (a, b) => a >> b,
  '&': (a, b) => a & b,
  '|': (a, b) => a | b,
  '^': (a, b) => a ^ b,
  '==': (a, b) => Number(a === b),
  '!=': (a, b) => Number(a !== b),
  '<': (a, b) => Number(a < b),
  '>': (a, b) => Number(a > b),
  '<=': (a, b) => Number(a <= b),
  '>=': (a, b) => Number(a >= b),
};

/** The value of a constant expression, or null when it is not one we can prove. */
export function constantOf(node: Node | null, macros: Macros, depth = 0): number | null {
  if (!node || depth > 32) return null;
  switch (node.type) {
    case 'number_literal':
      return integerLiteral(node.text);
    case 'true':
      return 1;
    case 'false':
      return 0;
    case 'identifier':
      return macros.get(node.text) ?? null;
    case 'parenthesized_expression':
    case 'cast_expression':
      return constantOf(node.namedChildren.at(-1) ?? null, macros, depth + 1);
    case 'preproc_defined': {
      const name = node.namedChildren[0]?.text;
      return name !== undefined && macros.has(name) ? 1 : null;
    }
    case 'unary_expression': {
      const value = constantOf(node.childForFieldName('argument'), macros, depth + 1);
      if (value === null) return null;
      const op = node.childForFieldName('operator')?.text ?? node.children[0]?.text;
      if (op === '!') return Number(value === 0);
      if (op === '-') return -value;
      if (op === '~') return ~value;
      return op === '+' ? value : null;
    }
    case 'binary_expression': {
      const op = node.childForFieldName('operator')?.text ?? '';
      const left = constantOf(node.childForFieldName('left'), macros, depth + 1);
      if (op === '&&' && left === 0) return 0;
      if (op === '||' && left !== null && left !== 0) return 1;
      const right = constantOf(node.childForFieldName('right'), macros, depth + 1);
      if (op === '&&') return left !== null && right !== null ? Number(left !== 0 && right !== 0) : right === 0 ? 0 : null;
      if (op === '||')
        return left !== null && right !== null ? Number(left !== 0 || right !== 0) : right !== null && right !== 0 ? 1 : null;
      const apply = binary[op];
      return apply && left !== null && right !== null ? apply(left, right) : null;
    }
    case 'conditional_expression': {
      const condition = constantOf(node.childForFieldName('condition'), macros, depth + 1);
      if (condition === null) return null;
      return constantOf(node.childForFieldName(condition !== 0 ? 'consequence' : 'alternative'), macros, depth + 1);
    }
    case 'comma_expression':
      return constantOf(node.childForFieldName('right'), macros, depth + 1);
    default:
      return null;
  }
}

/** Whether a preprocessor conditional's own branch is taken: true, false, or null when not known. */
export function preprocBranchTaken(node: Node, macros: Macros): boolean | null {
  if (node.type === 'preproc_ifdef') {
    const name = node.childForFieldName('name')?.text ?? '';
    const negated = node.children[0]?.text.startsWith('#ifndef') ?? false;
    if (!macros.has(name)) {
      // an include guard (#ifndef X / #define X) is taken; any other unknown name is not known
      const first = node.namedChildren.find((child) => child.type !== 'identifier' && child.type !== 'comment');
      const guard = negated && first?.type === 'preproc_def' && first.childForFieldName('name')?.text === name;
      return guard ? true : null;
    }
    return !negated;
  }
  if (node.type === 'preproc_if' || node.type === 'preproc_elif') {
    const value = constantOf(node.childForFieldName('condition'), macros);
    return value === null ? null : value !== 0;
  }
  return true; // #else
}

export const PREPROC_CONDITIONALS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_else', 'preproc_elifdef']);

/**
 * The children of a preprocessor conditional to walk: those of the branch taken when it is known,
 * else every branch, each marked uncertain. `visit(children, certain)` is called per branch.
 */
export function forEachPreprocBranch(node: Node, macros: Macros, visit: (children: Node[], certain: boolean) => void): void {
  let branch: Node | null = node;
  let certain = true;
  while (branch) {
    const taken = preprocBranchTaken(branch, macros);
    const alternative = branch.childForFieldName('alternative');
    const body = branch.namedChildren.filter(
      (child) =>
        child.id !== alternative?.id &&
        child.id !== branch!.childForFieldName('condition')?.id &&
        child.id !== branch!.childForFieldName('name')?.id,
    );
    if (taken === true) {
      visit(body, certain);
      return;
    }
    if (taken === null) {
      certain = false;
      visit(body, false);
    }
    branch = alternative;
  }
}
