// index.ts — the language server for the command line's `slabscope lsp`.
export { startServer, toLspDiagnostic, type ServerOptions } from './server';
export { serverParserFiles } from './wasm';
