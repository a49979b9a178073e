// syntax.ts — a tree-sitter tree copied once into plain objects. The analysis
// reads each node many times (a summary round per function, then the checks);
// through the parser's WebAssembly memory every read is a call, here it is a
// property. Copied with one cursor walk reading four numbers per node (type id,
// field id, start and end index); text and line/column come from the source on
// demand, columns in UTF-16 code units as the editor counts them.
import type { Language, Tree } from 'web-tree-sitter';

export interface Point {
  readonly row: number;
  readonly column: number;
}

/** The source's line starts, for turning an index into a row and column. */
class SourceLines {
  private starts: number[] | null = null;
  constructor(readonly text: string) {}

  point(index: number): Point {
    if (!this.starts) {
      const starts = [0];
      for (let at = this.text.indexOf('\n'); at !== -1; at = this.text.indexOf('\n', at + 1)) starts.push(at + 1);
      this.starts = starts;
    }
    const starts = this.starts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= index) low = mid;
      else high = mid - 1;
    }
    return { row: low, column: index - starts[low]! };
  }
}

export class SyntaxNode {
  readonly children: SyntaxNode[] = [];
  readonly namedChildren: SyntaxNode[] = [];
  private fields: Map<string, SyntaxNode> | null = null;
  private cachedText: string | null = null;

  constructor(
    private readonly source: SourceLines,
    readonly id: number,
    readonly type: string,
    readonly isNamed: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
  ) {}

  get text(): string {
    return (this.cachedText ??= this.source.text.slice(this.startIndex, this.endIndex));
  }

  get isError(): boolean {
    return this.type === 'ERROR';
  }

  get startPosition(): Point {
    return this.source.point(this.startIndex);
  }

  get endPosition(): Point {
    return this.source.point(this.endIndex);
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

interface Names {
  readonly types: (string | null)[];
  readonly named: boolean[];
  readonly fields: (string | null)[];
}
const namesOf = new WeakMap<Language, Names>();

function names(language: Language): Names {
  let known = namesOf.get(language);
  if (!known) {
    const types: (string | null)[] = [];
    const named: boolean[] = [];
    for (let id = 0; id < language.nodeTypeCount; id++) {
      types.push(language.nodeTypeForId(id));
      named.push(language.nodeTypeIsNamed(id));
    }
    const fields: (string | null)[] = [];
    for (let id = 0; id <= language.fieldCount; id++) fields.push(language.fieldNameForId(id));
    namesOf.set(language, (known = { types, named, fields }));
  }
  return known;
}

/** The tree as plain objects; the tree itself may be deleted afterwards. */
export function copyTree(tree: Tree, source: string): SyntaxNode {
  const { types, named, fields } = names(tree.language);
  const lines = new SourceLines(source);
  const cursor = tree.walk();
  let id = 0;
  const make = (): SyntaxNode => {
    const typeId = cursor.nodeTypeId;
    return new SyntaxNode(lines, id++, types[typeId] ?? 'ERROR', named[typeId] ?? true, cursor.startIndex, cursor.endIndex);
  };
  const root = make();
  const stack: SyntaxNode[] = [root];
  // depth-first: a child is made on the way down, its parent is the top of the stack
  if (cursor.gotoFirstChild()) {
    for (;;) {
      const node = make();
      const fieldId = cursor.currentFieldId;
      stack.at(-1)!.add(node, fieldId ? (fields[fieldId] ?? null) : null);
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
