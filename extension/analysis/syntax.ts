// syntax.ts — a tree-sitter tree copied once into plain objects. The analysis
// reads each node many times (a summary round per function, then the checks);
// through the parser's WebAssembly memory every read is a call, here it is a
// property. Copied with one cursor walk; text is sliced from the source on demand.
import type { Tree } from 'web-tree-sitter';

export interface Point {
  readonly row: number;
  readonly column: number;
}

export class SyntaxNode {
  readonly children: SyntaxNode[] = [];
  readonly namedChildren: SyntaxNode[] = [];
  private fields: Map<string, SyntaxNode> | null = null;
  private cachedText: string | null = null;

  constructor(
    private readonly source: string,
    readonly id: number,
    readonly type: string,
    readonly isNamed: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly startPosition: Point,
    readonly endPosition: Point,
    readonly isError: boolean,
    readonly isMissing: boolean,
  ) {}

  get text(): string {
    return (this.cachedText ??= this.source.slice(this.startIndex, this.endIndex));
  }

  childForFieldName(name: string): SyntaxNode | null {
    return this.fields?.get(name) ?? null;
  }

  /** @internal the copy's builder */
  add(child: SyntaxNode, field: string | null): void {
    this.children.push(child);
    if (child.isNamed) this.namedChildren.push(child);
    if (field && !(this.fields ??= new Map()).has(field)) this.fields.set(field, child);
  }
}

/** The tree as plain objects; the tree itself may be deleted afterwards. */
export function copyTree(tree: Tree, source: string): SyntaxNode {
  const cursor = tree.walk();
  let id = 0;
  const make = (): SyntaxNode =>
    new SyntaxNode(
      source,
      id++,
      cursor.nodeType,
      cursor.nodeIsNamed,
      cursor.startIndex,
      cursor.endIndex,
      cursor.startPosition,
      cursor.endPosition,
      cursor.nodeType === 'ERROR',
      cursor.nodeIsMissing,
    );
  const root = make();
  const stack: SyntaxNode[] = [root];
  // depth-first: a child is made on the way down, its parent is the top of the stack
  if (cursor.gotoFirstChild()) {
    for (;;) {
      const node = make();
      stack.at(-1)!.add(node, cursor.currentFieldName);
      if (cursor.gotoFirstChild()) {
        stack.push(node);
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent() || stack.length === 1) {
          cursor.delete();
          return root;
        }
        stack.pop();
      }
    }
  }
  cursor.delete();
  return root;
}
