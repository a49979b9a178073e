// index.ts — the BASE/USER analysis of C source: parse, provenance, summaries,
// diagnostics and fixes. Pure TypeScript on web-tree-sitter: no editor API and
// no language-server protocol, so the server and check-source share it.
export * from './c-parser';
export type { SyntaxNode } from './syntax';
export * from './diagnostic';
export * from './project';
export * from './provenance';
export { SourceWorkspace, type PointerFact } from './workspace';
export type { FunctionSummary, ParamContract } from './contracts';
export { SourceProjects } from './projects';
export { cFilesUnder } from './files';
