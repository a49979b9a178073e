// eslint.config.mjs — the rooms' import rules (see tsconfig.json for what each room's
// types may see). A room imports only the rooms below it:
//   core (the engine) ← record ← debug ← cli, host; the webview imports only the view protocol.
import tseslint from 'typescript-eslint';

const room = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});
const frontEnds = ['cli', 'host', 'debug', 'server', 'record'];

export default tseslint.config(
  { ignores: ['**/dist/**', '.tsbuild/**', 'node_modules/**', 'native/**', 'test/**'] },
  {
    files: ['extension/**/*.ts', 'webview/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
  room(['extension/core/**/*.ts'], [
    { group: ['vscode'], message: 'the engine has no editor API: take what it needs through an interface' },
    { group: frontEnds.map((name) => `../${name}`).concat(frontEnds.map((name) => `../${name}/*`)), message: 'the engine imports no front end' },
  ]),
  room(['extension/record/**/*.ts'], [
    { group: ['vscode'], message: 'recording is shared by the command line and the editor: no editor API here' },
    { group: ['../cli', '../cli/*', '../host', '../host/*'], message: 'recording imports no front end' },
  ]),
  room(['extension/debug/**/*.ts'], [
    { group: ['vscode'], message: 'reading a stopped heap is shared by the command line and the editor: no editor API here' },
    { group: ['../cli', '../cli/*', '../host', '../host/*'], message: 'the debugger room imports core and record, never a front end' },
  ]),
  room(['extension/host/**/*.ts'], [
    { group: ['../cli', '../cli/*', '../../cli', '../../cli/*'], message: 'the editor host never imports the command line: move what both need into a shared room' },
  ]),
  room(['extension/cli/**/*.ts'], [
    { group: ['vscode'], message: 'the command line runs outside the editor' },
    { group: ['../host', '../host/*'], message: 'the command line never imports the editor host' },
  ]),
  room(['webview/**/*.ts'], [
    { group: ['node:*', 'vscode'], message: 'the webview runs in a browser' },
    {
      regex: '^\\.\\./\\.\\./extension/(?!core/view-protocol$|protocol/)',
      message: 'the webview imports only the view protocol',
    },
  ]),
);
