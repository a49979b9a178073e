// diagnostic.ts — what the analysis reports, in editor-neutral terms: a file,
// a zero-based line/character range, a code, a message with the provenance
// chain, and a fix as text edits. The server and check-source translate it.
import type { SyntaxNode as Node } from './syntax';

export interface SourcePosition {
  readonly line: number;
  readonly character: number;
}
export interface SourceRange {
  readonly start: SourcePosition;
  readonly end: SourcePosition;
}
export interface SourceEdit {
  readonly range: SourceRange;
  readonly newText: string;
}
export interface SourceFix {
  readonly title: string;
  readonly edits: readonly SourceEdit[];
}

export type SourceDiagnosticCode =
  'user-as-base' | 'base-as-user' | 'interior-pointer' | 'name-disagrees' | 'raw-next-pointer' | 'next-offset';

export interface SourceDiagnostic {
  readonly file: string;
  readonly range: SourceRange;
  readonly code: SourceDiagnosticCode;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** how the pointer's provenance was learnt, first step first */
  readonly chain: readonly string[];
  readonly fix: SourceFix | null;
}

export const rangeOf = (node: Node): SourceRange => ({
  start: { line: node.startPosition.row, character: node.startPosition.column },
  end: { line: node.endPosition.row, character: node.endPosition.column },
});

export const contains = (range: SourceRange, at: SourcePosition): boolean =>
  (at.line > range.start.line || (at.line === range.start.line && at.character >= range.start.character)) &&
  (at.line < range.end.line || (at.line === range.end.line && at.character <= range.end.character));
