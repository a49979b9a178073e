// functions.ts — the functions of a translation unit as the analysis sees them:
// name, parameters (name, whether a pointer, an annotation) and body, from
// definitions and prototypes alike; and the object-like macros with an integer
// value. Preprocessor branches are followed as the defines decide.
import type { SyntaxNode as Node } from './syntax';
import { forEachPreprocBranch, macroBodyValue, PREPROC_CONDITIONALS, type Macros } from './constants';
import type { PointerRole } from './provenance';

export interface ParamSyntax {
  readonly name: string | null;
  readonly pointer: boolean;
  /** SS_BASE / SS_USER written in the declaration */
  readonly annotation: PointerRole | null;
}

export interface FunctionSyntax {
  readonly name: string;
  readonly file: string;
  readonly params: readonly ParamSyntax[];
  /** the compound statement, null for a prototype */
  readonly body: Node | null;
  /** the annotation on the return type */
  readonly returnAnnotation: PointerRole | null;
  readonly node: Node;
}

export function annotationOf(text: string): PointerRole | null {
  if (/\bSS_BASE\b/.test(text)) return 'BASE';
  if (/\bSS_USER\b/.test(text)) return 'USER';
  return null;
}

/** The identifier a declarator declares: `*p`, `p[4]`, `(*f)(…)`, `p = …` */
export function declaredName(declarator: Node | null): Node | null {
  let node = declarator;
  for (let depth = 0; node && depth < 16; depth++) {
    if (node.type === 'identifier' || node.type === 'field_identifier') return node;
    node =
      node.childForFieldName('declarator') ??
      node.namedChildren.find((c) => c.type.endsWith('declarator') || c.type === 'identifier') ??
      null;
  }
  return null;
}

function functionDeclarator(declarator: Node | null): Node | null {
  let node = declarator;
  for (let depth = 0; node && depth < 16; depth++) {
    if (node.type === 'function_declarator') return node;
    node = node.childForFieldName('declarator');
  }
  return null;
}

function paramsOf(fn: Node): ParamSyntax[] {
  const list = fn.childForFieldName('parameters');
  if (!list) return [];
  return list.namedChildren
    .filter((p) => p.type === 'parameter_declaration')
    .map((p) => {
      const declarator = p.childForFieldName('declarator');
      return {
        name: declaredName(declarator)?.text ?? null,
        pointer: (declarator?.text ?? '').includes('*') || /\*/.test(p.childForFieldName('type')?.text ?? ''),
        annotation: annotationOf(p.text),
      };
    })
    .filter((p) => !(p.name === null && !p.pointer && p.annotation === null && list.namedChildren.length === 1));
}

function functionOf(node: Node, file: string): FunctionSyntax | null {
  const declarator = node.childForFieldName('declarator');
  const fn = functionDeclarator(declarator);
  const name = fn ? declaredName(fn.childForFieldName('declarator')) : null;
  if (!fn || !name) return null;
  const head = node.text.slice(0, fn.startIndex - node.startIndex);
  return {
    name: name.text,
    file,
    params: paramsOf(fn),
    body: node.type === 'function_definition' ? node.childForFieldName('body') : null,
    returnAnnotation: annotationOf(head),
    node,
  };
}

/** Walks the top level of a tree, into extern "C" blocks and the preprocessor branches the defines take. */
export function forEachTopLevel(tree: Node, macros: Macros, visit: (node: Node, certain: boolean) => void): void {
  const walk = (nodes: Node[], certain: boolean): void => {
    for (const node of nodes) {
      if (PREPROC_CONDITIONALS.has(node.type)) forEachPreprocBranch(node, macros, (children, sure) => walk(children, certain && sure));
      else if (node.type === 'linkage_specification') walk(node.childForFieldName('body')?.namedChildren ?? [], certain);
      else if (node.type === 'declaration_list') walk(node.namedChildren, certain);
      else visit(node, certain);
    }
  };
  walk(tree.namedChildren, true);
}

/** The functions a tree defines and declares; `cache` keeps each top-level node's, which an edit elsewhere leaves as it was. */
export function functionsOf(tree: Node, file: string, macros: Macros, cache?: WeakMap<Node, FunctionSyntax | null>): FunctionSyntax[] {
  const found: FunctionSyntax[] = [];
  forEachTopLevel(tree, macros, (node) => {
    if (node.type === 'function_definition' || node.type === 'declaration') {
      let fn = cache?.get(node);
      if (fn === undefined) {
        fn = functionOf(node, file);
        cache?.set(node, fn);
      }
      if (fn && fn.file === file) found.push(fn);
    }
  });
  return found;
}

/** Adds the integer object-like macros a tree defines (`#define SS_USER_OFFSET 1u`) to `macros`, keeping those already known. */
export function collectMacros(tree: Node, macros: Map<string, number>): void {
  forEachTopLevel(tree, macros, (node) => {
    if (node.type !== 'preproc_def') return;
    const name = node.childForFieldName('name')?.text;
    const value = node.childForFieldName('value');
    if (!name || macros.has(name)) return;
    const number = value ? macroBodyValue(value.text) : null;
    if (number !== null) macros.set(name, number);
  });
}
