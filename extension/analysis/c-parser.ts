// c-parser.ts — C source to syntax trees with web-tree-sitter and tree-sitter-c.
// Both .wasm files are found by path: beside the bundle when shipped, in
// node_modules when run from the tree. tree-sitter keeps a syntax error local
// (an ERROR node), so half-typed code still yields the functions around it.
import { Language, Parser } from 'web-tree-sitter';
import { copyTree, type SyntaxNode } from './syntax';

export interface ParserFiles {
  /** web-tree-sitter.wasm, the parser runtime */
  readonly runtimeWasm: string;
  /** tree-sitter-c.wasm, the C grammar */
  readonly languageWasm: string;
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
