// c-parser.ts — C source to syntax trees with web-tree-sitter and tree-sitter-c.
// Both .wasm files are found by path: beside the bundle when shipped, in
// node_modules when run from the tree. tree-sitter keeps a syntax error local
// (an ERROR node), so half-typed code still yields the functions around it.
import { Edit, Language, Parser, type Tree } from 'web-tree-sitter';
import { copyTree, SourceLines, type SyntaxNode, type TextEdit } from './syntax';

export interface ParserFiles {
  /** web-tree-sitter.wasm, the parser runtime */
  readonly runtimeWasm: string;
  /** tree-sitter-c.wasm, the C grammar */
  readonly languageWasm: string;
}

/** A text, its tree-sitter tree (kept for the next edit) and its copy. */
export interface ParsedText {
  readonly text: string;
  /** null once given up: a file read but not edited keeps no tree in the parser's memory */
  readonly tree: Tree | null;
  readonly root: SyntaxNode;
}

/** The one span where two texts differ: their common prefix and suffix left out. */
export function textEdit(before: string, after: string): TextEdit {
  const limit = Math.min(before.length, after.length);
  const CHUNK = 512; // whole chunks compared first: a keystroke in a large file is one short span
  let start = 0;
  while (start + CHUNK <= limit && before.slice(start, start + CHUNK) === after.slice(start, start + CHUNK)) start += CHUNK;
  while (start < limit && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  const room = limit - start;
  while (
    tail + CHUNK <= room &&
    before.slice(before.length - tail - CHUNK, before.length - tail) === after.slice(after.length - tail - CHUNK, after.length - tail)
  )
    tail += CHUNK;
  while (tail < room && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  return { start, oldEnd: before.length - tail, newEnd: after.length - tail };
}

export class CParser {
  private constructor(private readonly parser: Parser) {}

  /** Loads the runtime and the C grammar; throws naming the file that failed and why. */
  static async load(files: ParserFiles): Promise<CParser> {
    try {
      await Parser.init({ locateFile: () => files.runtimeWasm });
    } catch (error) {
      throw new Error(`cannot load the parser runtime ${files.runtimeWasm}: ${(error as Error).message}`);
    }
    let language: Language;
    try {
      language = await Language.load(files.languageWasm);
    } catch (error) {
      throw new Error(`cannot load the C grammar ${files.languageWasm}: ${(error as Error).message}`);
    }
    const parser = new Parser();
    parser.setLanguage(language);
    return new CParser(parser);
  }

  /**
   * `text` parsed again after an edit of `previous`'s text: tree-sitter reuses the old
   * tree's unchanged parts, and the copy keeps the top-level nodes the edit did not
   * touch. `previous` is spent (its tree deleted); keep the result instead.
   */
  reparse(text: string, previous: ParsedText | null): ParsedText {
    if (!previous?.tree) {
      const tree = this.parser.parse(text);
      if (!tree) throw new Error('the C parser returned no tree');
      return { text, tree, root: copyTree(tree, text) };
    }
    const edit = textEdit(previous.text, text);
    const oldLines = new SourceLines(previous.text);
    const newLines = new SourceLines(text);
    previous.tree.edit(
      new Edit({
        startIndex: edit.start,
        oldEndIndex: edit.oldEnd,
        newEndIndex: edit.newEnd,
        startPosition: oldLines.point(edit.start),
        oldEndPosition: oldLines.point(edit.oldEnd),
        newEndPosition: newLines.point(edit.newEnd),
      }),
    );
    const tree = this.parser.parse(text, previous.tree);
    previous.tree.delete();
    if (!tree) throw new Error('the C parser returned no tree');
    return { text, tree, root: copyTree(tree, text, { root: previous.root, edit }) };
  }

  /** tree-sitter's tree of `text` alone, for a file about to be edited whose copy is already made */
  parseTree(text: string): Tree {
    const tree = this.parser.parse(text);
    if (!tree) throw new Error('the C parser returned no tree');
    return tree;
  }

  /** The syntax tree of `text`, as plain objects. */
  parse(text: string): SyntaxNode {
    const tree = this.parser.parse(text);
    if (!tree) throw new Error('the C parser returned no tree');
    try {
      return copyTree(tree, text);
    } finally {
      tree.delete();
    }
  }
}
