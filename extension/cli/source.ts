// source.ts — the command line's BASE/USER checks of C source: `slabscope lsp
// --stdio` (the language server for editors that start servers themselves) and
// `slabscope check-source [--json | --sarif] [--define NAME[=VALUE]]… PATHS…`,
// which prints each misuse and exits 1 when there is any (for CI).
import { readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { CParser, cFilesUnder, SourceProjects, type SourceDiagnostic } from '../analysis';
import { serverParserFiles, startServer } from '../server';
import { sourceSarif } from './source-sarif';

export class SourceUsageError extends Error {}

export function lspCommand(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] !== '--stdio') throw new SourceUsageError('lsp takes --stdio');
  const connection = createConnection(
    ProposedFeatures.all,
    new StreamMessageReader(process.stdin),
    new StreamMessageWriter(process.stdout),
  );
  startServer(connection, { parserFiles: serverParserFiles(import.meta.url) });
  return new Promise<number>(() => undefined); // the connection exits the process on the client's exit notification
}

function parseDefine(text: string): [string, number] {
  const match = /^([A-Za-z_]\w*)(?:=(-?\d+))?$/.exec(text);
  if (!match) throw new SourceUsageError(`--define ${text}: NAME or NAME=INTEGER`);
  return [match[1]!, match[2] === undefined ? 1 : Number(match[2])];
}

export async function checkSourceCommand(args: string[], version: string): Promise<number> {
  let format: 'text' | 'json' | 'sarif' = 'text';
  const defines = new Map<string, number>();
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json' || arg === '--sarif') {
      if (format !== 'text') throw new SourceUsageError('check-source takes one of --json, --sarif');
      format = arg === '--json' ? 'json' : 'sarif';
    } else if (arg === '--define' || arg === '-D') {
      const value = args[++i];
      if (value === undefined) throw new SourceUsageError(`${arg} needs NAME[=VALUE]`);
      defines.set(...parseDefine(value));
    } else if (arg.startsWith('-D')) defines.set(...parseDefine(arg.slice(2)));
    else if (arg.startsWith('--')) throw new SourceUsageError(`check-source: unknown option ${arg}`);
    else paths.push(arg);
  }
  if (paths.length === 0) throw new SourceUsageError('check-source needs the C files or directories to check');
  const files: string[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    let directory: boolean;
    try {
      directory = statSync(path).isDirectory();
    } catch (error) {
      throw new SourceUsageError(`check-source: ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    files.push(...(directory ? cFilesUnder(path) : [path]));
  }
  const parser = await CParser.load(serverParserFiles(import.meta.url));
  const projects = new SourceProjects(parser, defines, (message) => process.stderr.write(`slabscope: ${message}\n`));
  // a file that cannot be read or analysed is said with its path; the others are still checked
  let failed = 0;
  const attempt = (file: string, work: () => void): void => {
    try {
      work();
    } catch (error) {
      failed++;
      process.stderr.write(`slabscope: ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
    }
  };
  for (const file of files) attempt(file, () => projects.setFile(file, readFileSync(file, 'utf8')));
  const found: SourceDiagnostic[] = [];
  for (const file of files) if (projects.has(file)) attempt(file, () => found.push(...projects.diagnostics(file)));
  const cwd = process.cwd();
  if (format === 'sarif') process.stdout.write(`${JSON.stringify(sourceSarif(found, cwd, version), null, 2)}\n`);
  else if (format === 'json')
    process.stdout.write(
      `${JSON.stringify(
        {
          format: 'slabscope-source-check',
          version: 1,
          files: files.length,
          diagnostics: found.map((d) => ({
            file: relative(cwd, d.file),
            line: d.range.start.line + 1,
            column: d.range.start.character + 1,
            endLine: d.range.end.line + 1,
            endColumn: d.range.end.character + 1,
            code: d.code,
            severity: d.severity,
            message: d.message,
            chain: d.chain,
            fix: d.fix,
          })),
        },
        null,
        2,
      )}\n`,
    );
  else {
    for (const d of found)
      process.stdout.write(
        `${relative(cwd, d.file)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message} [${d.code}]\n`,
      );
    process.stdout.write(
      `${found.length} BASE/USER diagnostic${found.length === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}\n`,
    );
  }
  return failed > 0 ? 2 : found.length > 0 ? 1 : 0;
}
