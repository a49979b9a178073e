// syntax.ts — a tree-sitter tree copied once into plain objects. The analysis
// reads each node many times (a summary round per function, then the checks);
// through the parser's WebAssembly memory every read is a call, here it is a
// property. Copied with one cursor walk reading four numbers per node (type id,
// field id, start and end index); text and line/column come from the source on
// demand, columns in UTF-16 code units as the editor counts them. After an
// edit, a top-level declaration the edit did not touch is kept as it was, moved
// by the edit's length (its segment's shift): only what changed is copied again.
import type { Language, Tree } from 'web-tree-sitter';

export interface Point {
  readonly row: number;
  readonly column: number;
}

/** The source's line starts, for turning an index into a row and column. */
export class SourceLines {
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

/** A top-level declaration's nodes share one: the text they are in and how far an edit moved them since they were copied. */
export interface Segment {
  lines: SourceLines;
  shift: number;
}

let nextId = 0;

export class SyntaxNode {
  readonly children: SyntaxNode[] = [];
  readonly namedChildren: SyntaxNode[] = [];
  /** unique across every tree copied, so a kept node never shares an id with a new one */
  readonly id = nextId++;
  private fields: Map<string, SyntaxNode> | null = null;
  private cachedText: string | null = null;

  constructor(
    readonly segment: Segment,
    readonly type: string,
    readonly isNamed: boolean,
    private readonly start: number,
    private readonly end: number,
  ) {}

  get startIndex(): number {
    return this.start + this.segment.shift;
  }

  get endIndex(): number {
    return this.end + this.segment.shift;
  }

  private get source(): SourceLines {
    return this.segment.lines;
  }

  get text(): string {
    // the text of a kept node is the same after an edit that did not touch it
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

/** What changed between two texts: [start, oldEnd) became [start, newEnd). */
export interface TextEdit {
  readonly start: number;
  readonly oldEnd: number;
  readonly newEnd: number;
}

/**
 * The tree as plain objects. With `previous` (the copy of the text before `edit`), its
 * top-level nodes wholly before or after the edit, of the same type and extent, are kept.
 */
export function copyTree(tree: Tree, source: string, previous?: { readonly root: SyntaxNode; readonly edit: TextEdit }): SyntaxNode {
  const { types, named, fields } = names(tree.language);
  const lines = new SourceLines(source);
  const cursor = tree.walk();
  const make = (segment: Segment): SyntaxNode => {
    const typeId = cursor.nodeTypeId;
    return new SyntaxNode(
      segment,
      types[typeId] ?? 'ERROR',
      named[typeId] ?? true,
      cursor.startIndex - segment.shift,
      cursor.endIndex - segment.shift,
    );
  };
  const root = make({ lines, shift: 0 });
  // the previous copy's top-level nodes the edit left alone, in order, with where they are now
  const kept: { node: SyntaxNode; start: number; end: number }[] = [];
  if (previous) {
    const { edit } = previous;
    const delta = edit.newEnd - edit.oldEnd;
    for (const child of previous.root.children) {
      if (child.endIndex < edit.start) kept.push({ node: child, start: child.startIndex, end: child.endIndex });
      else if (child.startIndex > edit.oldEnd) kept.push({ node: child, start: child.startIndex + delta, end: child.endIndex + delta });
    }
  }
  let next = 0; // both lists are in text order: one merge walk finds each kept node
  if (!cursor.gotoFirstChild()) {
    cursor.delete();
    return root;
  }
  do {
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    while (next < kept.length && kept[next]!.start < start) next++;
    const candidate = kept[next];
    const old =
      candidate && candidate.start === start && candidate.end === end && candidate.node.type === (types[cursor.nodeTypeId] ?? 'ERROR')
        ? candidate.node
        : null;
    const fieldId = cursor.currentFieldId;
    const field = fieldId ? (fields[fieldId] ?? null) : null;
    if (old) {
      next++;
      old.segment.shift += start - old.startIndex;
      old.segment.lines = lines;
      root.add(old, field);
      continue;
    }
    const top = make({ lines, shift: 0 });
    root.add(top, field);
    copyBelow(cursor, top, make, fields);
  } while (cursor.gotoNextSibling());
  cursor.delete();
  return root;
}

/** Copies the subtree under the cursor's node (`top`), leaving the cursor on it. */
function copyBelow(
  cursor: ReturnType<Tree['walk']>,
  top: SyntaxNode,
  make: (segment: Segment) => SyntaxNode,
  fields: readonly (string | null)[],
): void {
  if (!cursor.gotoFirstChild()) return;
  const stack: SyntaxNode[] = [top];
  for (;;) {
    const node = make(top.segment);
    const fieldId = cursor.currentFieldId;
    stack.at(-1)!.add(node, fieldId ? (fields[fieldId] ?? null) : null);
    if (cursor.gotoFirstChild()) {
      stack.push(node);
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      cursor.gotoParent();
      stack.pop();
      if (stack.length === 0) return;
    }
  }
}
