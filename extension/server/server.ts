// server.ts — the language server: C documents in, BASE/USER diagnostics, quick
// fixes and provenance hovers out. The workspace's C files are read once at
// start so summaries span files; an open document replaces its file's text as it
// is typed, and diagnostics follow after a short pause (debounced).
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DiagnosticSeverity,
  TextDocumentSyncKind,
  TextDocuments,
  type CodeAction,
  type Connection,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CParser, cFilesUnder, PROJECT_FILE, SourceProjects, type ParserFiles, type SourceDiagnostic } from '../analysis';
import { parseSourceServerOptions, SOURCE_DIAGNOSTIC_LABEL } from '../protocol/source-server';

export interface ServerOptions {
  readonly parserFiles: ParserFiles;
  /** quiet time after an edit before diagnostics are computed, ms */
  readonly debounceMs?: number;
}

const toPath = (uri: string): string | null => (uri.startsWith('file:') ? fileURLToPath(uri) : null);

export function toLspDiagnostic(diagnostic: SourceDiagnostic): Diagnostic {
  return {
    range: diagnostic.range,
    severity: diagnostic.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: diagnostic.code,
    source: SOURCE_DIAGNOSTIC_LABEL,
    message: diagnostic.message,
  };
}

export function startServer(connection: Connection, options: ServerOptions): void {
  const documents = new TextDocuments(TextDocument);
  const debounceMs = options.debounceMs ?? 200;
  let projects: SourceProjects | null = null;
  let ready: Promise<void> = Promise.resolve();
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;

  /** `work`, or `fallback` when it throws: a fault in the analysis is logged, never the server's end */
  const guarded = <T>(what: string, fallback: T, work: () => T): T => {
    try {
      return work();
    } catch (error) {
      connection.console.error(`${what}: ${(error as Error).stack ?? String(error)}`);
      return fallback;
    }
  };
  const publish = (): void => {
    timer = null;
    if (!projects) return;
    const uris = new Set<string>();
    for (const uri of pending) {
      const path = toPath(uri);
      if (!path) continue;
      // an edit can change the diagnostics of every open file of its project (summaries cross files)
      for (const neighbour of projects.neighbours(path)) {
        const other = pathToFileURL(neighbour).href;
        if (documents.get(other)) uris.add(other);
      }
      uris.add(uri);
    }
    pending.clear();
    for (const uri of uris) {
      const path = toPath(uri)!;
      const found = documents.get(uri) ? guarded(`analysing ${path}`, [], () => projects!.diagnostics(path)) : [];
      void connection.sendDiagnostics({ uri, diagnostics: found.map(toLspDiagnostic) });
    }
  };
  const schedule = (uri: string): void => {
    pending.add(uri);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void ready.then(publish), debounceMs);
  };

  connection.onInitialize(async (params): Promise<InitializeResult> => {
    const settings = parseSourceServerOptions(params.initializationOptions);
    const parser = await CParser.load(options.parserFiles);
    projects = new SourceProjects(parser, new Map(Object.entries(settings.defines)), (message) => connection.console.warn(message));
    const roots = (params.workspaceFolders ?? []).map((f) => toPath(f.uri)).filter((p): p is string => p !== null);
    if (roots.length === 0 && params.rootUri) roots.push(...[toPath(params.rootUri)].filter((p): p is string => p !== null));
    // the workspace's C files, read after the handshake so the editor is not kept waiting
    ready = new Promise((resolve) =>
      setImmediate(() => {
        const started = performance.now();
        let count = 0;
        for (const file of roots.flatMap((root) => cFilesUnder(root))) {
          if (projects!.has(file)) continue;
          try {
            projects!.setFile(file, readFileSync(file, 'utf8'));
            count++;
          } catch (error) {
            connection.console.warn(`cannot read ${file}: ${(error as Error).message}`);
          }
        }
        connection.console.log(`read ${count} C files in ${Math.round(performance.now() - started)} ms`);
        resolve();
      }),
    );
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        hoverProvider: true,
      },
      serverInfo: { name: 'slabscope-source' },
    };
  });

  documents.onDidChangeContent(({ document }) => {
    const path = toPath(document.uri);
    if (!path || !projects) return;
    guarded(`parsing ${path}`, undefined, () => projects!.setFile(path, document.getText()));
    schedule(document.uri);
  });
  // an opened document keeps its parse tree, made while the editor is idle, so typing is parsed incrementally from the first key
  documents.onDidOpen(({ document }) => {
    const path = toPath(document.uri);
    if (path) setImmediate(() => void ready.then(() => projects && guarded(`parsing ${path}`, undefined, () => projects!.keepTree(path))));
  });
  documents.onDidClose(({ document }) => {
    const path = toPath(document.uri);
    if (!path || !projects) return;
    // back to the text on disk, which the other files' summaries still see
    try {
      projects.setFile(path, readFileSync(path, 'utf8'));
    } catch {
      projects.removeFile(path);
    }
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  connection.onCodeAction((params) => {
    const path = toPath(params.textDocument.uri);
    if (!path || !projects) return [];
    const actions: CodeAction[] = [];
    for (const diagnostic of guarded(`analysing ${path}`, [], () => projects!.diagnostics(path))) {
      if (!diagnostic.fix) continue;
      const r = diagnostic.range;
      const a = params.range;
      const overlaps = !(r.end.line < a.start.line || r.start.line > a.end.line);
      if (!overlaps) continue;
      actions.push({
        title: diagnostic.fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [toLspDiagnostic(diagnostic)],
        isPreferred: true,
        edit: { changes: { [params.textDocument.uri]: diagnostic.fix.edits.map((e) => ({ range: e.range, newText: e.newText })) } },
      });
    }
    return actions;
  });

  connection.onHover((params) => {
    const path = toPath(params.textDocument.uri);
    if (!path || !projects) return null;
    const hover = guarded(`hover in ${path}`, null, () => projects!.hover(path, params.position));
    return hover ? { range: hover.range, contents: { kind: 'markdown', value: hover.text } } : null;
  });

  // files changed on disk (a checkout, a build): a project file reloads its contracts; a C file
  // not open in the editor is read again (or dropped), since other files' summaries rely on it
  connection.onDidChangeWatchedFiles(({ changes }) => {
    if (!projects) return;
    let reload = false;
    for (const change of changes) {
      const path = toPath(change.uri);
      if (!path) continue;
      if (path.endsWith(PROJECT_FILE)) reload = true;
      else if (/\.(c|h)$/.test(path) && !documents.get(change.uri)) {
        try {
          projects.setFile(path, readFileSync(path, 'utf8'));
        } catch {
          if (projects.has(path)) projects.removeFile(path);
        }
      }
    }
    if (reload) projects.reload();
    for (const document of documents.all()) schedule(document.uri);
  });

  documents.listen(connection);
  connection.listen();
}
