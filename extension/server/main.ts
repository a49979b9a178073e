// main.ts — the language server's process: the connection the editor chose
// (--stdio or --node-ipc, as vscode-languageclient passes it), the parser's
// .wasm files beside this bundle.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { serverParserFiles } from './wasm';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all), { parserFiles: serverParserFiles() });
