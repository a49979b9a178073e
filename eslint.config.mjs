// eslint.config.mjs — the rooms' import rules (see tsconfig.json for what each room's
// types may see). A room imports only the rooms below it:
//   core (the engine) ← protocol (the views' messages and server), record ← debug ← cli, host;
//   the webview imports only the views' messages (protocol/view-protocol);
//   core ← analysis (C source, BASE/USER provenance) ← server (the language server), cli.
import tseslint from 'typescript-eslint';

const room = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});
const frontEnds = ['cli', 'host', 'debug', 'server', 'record'];
const languageServer = [
  'vscode-languageserver',
  'vscode-languageserver/*',
  'vscode-languageserver-textdocument',
  'vscode-languageclient',
  'vscode-languageclient/*',
];
/** `room` and what is in it, imported from `up` (a file in core/ reaches the protocol room as ../protocol, one in core/heap/ as ../../protocol) */
const importsOf = (up, room) => [`${up}${room}`, `${up}${room}/*`];
const engine = (up) => [
  { group: ['vscode'], message: 'the engine has no editor API: take what it needs through an interface' },
  { group: [...frontEnds, 'analysis'].flatMap((name) => importsOf(up, name)), message: 'the engine imports no front end' },
  { group: importsOf(up, 'protocol'), message: "the engine never imports the views' protocol: the protocol is built on the engine" },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '.tsbuild/**', 'node_modules/**', 'native/**', 'test/**'] },
  {
    files: ['extension/**/*.ts', 'webview/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
  // core/protocol.ts is the wire format, core's own: from core/heap/ it is ../protocol
  room(['extension/core/*.ts'], engine('../')),
  room(['extension/core/*/**/*.ts'], engine('../../')),
  room(
    ['extension/protocol/**/*.ts'],
    [
      { group: ['vscode'], message: "the views' protocol is shared by the command line and the editor: no editor API here" },
      {
        group: frontEnds.flatMap((name) => importsOf('../', name)),
        message: "the views' protocol imports the engine only, never a front end",
      },
    ],
  ),
  room(
    ['extension/analysis/**/*.ts'],
    [
      { group: ['vscode'], message: 'the source analysis is shared by the language server and the command line: no editor API here' },
      { group: languageServer, message: 'the source analysis speaks no language-server protocol: the server translates its diagnostics' },
      {
        group: [...frontEnds, 'protocol'].flatMap((name) => importsOf('../', name)),
        message: 'the source analysis imports the engine only, never a front end',
      },
    ],
  ),
  room(
    ['extension/server/**/*.ts'],
    [
      {
        group: ['vscode', 'vscode-languageclient', 'vscode-languageclient/*'],
        message: 'the language server runs in its own process and knows no editor API',
      },
      {
        group: ['cli', 'host', 'debug', 'record'].flatMap((name) => importsOf('../', name)),
        message: 'the language server imports the engine and the source analysis, never another front end',
      },
    ],
  ),
  room(
    ['extension/record/**/*.ts'],
    [
      { group: ['vscode'], message: 'recording is shared by the command line and the editor: no editor API here' },
      { group: ['../cli', '../cli/*', '../host', '../host/*'], message: 'recording imports no front end' },
    ],
  ),
  room(
    ['extension/debug/**/*.ts'],
    [
      { group: ['vscode'], message: 'reading a stopped heap is shared by the command line and the editor: no editor API here' },
      {
        group: ['cli', 'host'].flatMap((name) => [...importsOf('../', name), ...importsOf('../../', name)]),
        message: 'the debugger room imports core and record, never a front end',
      },
    ],
  ),
  room(
    ['extension/host/**/*.ts'],
    [
      {
        group: ['../cli', '../cli/*', '../../cli', '../../cli/*'],
        message: 'the editor host never imports the command line: move what both need into a shared room',
      },
      {
        group: [
          '../server',
          '../server/*',
          '../../server',
          '../../server/*',
          '../analysis',
          '../analysis/*',
          '../../analysis',
          '../../analysis/*',
        ],
        message: 'the editor host starts the language server as its own process (vscode-languageclient): never import it or its analysis',
      },
    ],
  ),
  room(
    ['extension/cli/**/*.ts'],
    [
      { group: ['vscode'], message: 'the command line runs outside the editor' },
      { group: ['../host', '../host/*'], message: 'the command line never imports the editor host' },
    ],
  ),
  room(
    ['webview/**/*.ts'],
    [
      { group: ['node:*', 'vscode'], message: 'the webview runs in a browser' },
      {
        regex: '^\\.\\./\\.\\./extension/(?!protocol/view-protocol$)',
        message: 'the webview imports only the view protocol (extension/protocol/view-protocol)',
      },
    ],
  ),
);
