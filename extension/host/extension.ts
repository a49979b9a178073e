// extension.ts — Slabscope in VS Code: commands, the build task, the Slabscope
// views, the heap panel, the trace editor, diagnostics, CodeLens and the status
// bar, all on the engine in ../core.
import * as vscode from 'vscode';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Symbolizer, buildReport, reportContext, toSarif } from '../core';
import { Controller } from './controller';
import { SiteLens, updateDiagnostics } from './diagnostics';
import { HeapPanel, type ViewContext } from './panel';
import { readSettings } from './settings';
import { Command, ContextKey, RECENT_PROGRAMS, TASK_TYPE, View, focusCommand } from './ids';
import { BuildTaskProvider, LAYOUTS, MODES, buildTask } from './tasks';
import { TraceEditorProvider } from './trace-editor';
import { FindingsTree, SuperslabsTree, ThreadsTree } from './trees';

export function activate(context: vscode.ExtensionContext): void {
  const root = context.extensionPath;
  const nativeDir = join(root, 'native');
  const log = vscode.window.createOutputChannel('Slabscope');
  const controller = new Controller(root, readSettings, log);
  const diagnostics = vscode.languages.createDiagnosticCollection('slabscope');
  const openSource = async (file: string, line: number) => {
    if (!existsSync(file)) {
      void vscode.window.showWarningMessage(`Slabscope: ${file} is not on this machine`);
      return;
    }
    const position = new vscode.Position(Math.max(0, line - 1), 0);
    await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(position, position), viewColumn: vscode.ViewColumn.One, preview: false });
  };
  const viewContext: ViewContext = {
    extensionPath: root,
    get symbolizerPath() { return readSettings().symbolizerPath; },
    openSource: (site) => { void openSource(site.file, site.line); },
  };
  const panel = new HeapPanel(viewContext);
  const threads = new ThreadsTree(controller), superslabs = new SuperslabsTree(controller), findings = new FindingsTree(controller);
  const lens = new SiteLens(controller, () => readSettings().symbolizerPath);
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 20);
  status.command = Command.showHeap;
  status.name = 'Slabscope';
  const traceDir = () => join((context.storageUri ?? context.globalStorageUri).fsPath, 'traces');

  const updateStatus = () => {
    const source = controller.source;
    void vscode.commands.executeCommand('setContext', ContextKey.running, controller.running);
    void vscode.commands.executeCommand('setContext', ContextKey.hasTrace, source !== null);
    if (!source) {
      status.text = '$(circle-slash) Slabscope: not connected';
      status.tooltip = 'Run a program with tracing, attach to one, or open a trace';
    } else {
      const model = source.model();
      const count = source.findings().length;
      const errors = source.findings().filter((finding) => finding.severity === 'error').length;
      const rate = source.live && model ? liveRate(source.eventCount()) : 0;
      status.text = `${source.live ? '$(pulse) live' : '$(history) replay'} ${source.eventCount().toLocaleString('en-US')} ev${source.live ? ` · ${(rate / 1e6).toFixed(2)}M/s` : ''} · ${model?.lostEvents ?? 0} lost · ${errors ? '$(error)' : '$(check)'} ${count} finding${count === 1 ? '' : 's'}`;
      status.tooltip = `${source.title}: click to show the heap`;
    }
    status.show();
  };
  let lastRate = { time: 0, events: 0, rate: 0 };
  const liveRate = (events: number) => {
    const now = Date.now();
    if (now - lastRate.time >= 1000) lastRate = { time: now, events, rate: lastRate.time ? ((events - lastRate.events) * 1000) / (now - lastRate.time) : 0 };
    return lastRate.rate;
  };

  context.subscriptions.push(
    log, controller, diagnostics, status,
    { dispose: () => panel.dispose() },
    controller.onDidChange((what) => {
      if (what === 'source' && controller.source) void panel.setSource(controller.source);
      if (what === 'tick') void panel.refresh();
      if (what === 'findings' || what === 'source') {
        updateDiagnostics(diagnostics, controller.reported);
        findings.refresh();
      }
      threads.refresh();
      superslabs.refresh();
      void lens.update(what !== 'tick');
      updateStatus();
    }),
    vscode.window.registerTreeDataProvider(View.threads, threads),
    vscode.window.registerTreeDataProvider(View.superslabs, superslabs),
    vscode.window.registerTreeDataProvider(View.findings, findings),
    vscode.languages.registerCodeLensProvider([{ language: 'c' }, { language: 'cpp' }], lens),
    vscode.tasks.registerTaskProvider(TASK_TYPE, new BuildTaskProvider(nativeDir, log)),
    vscode.window.registerCustomEditorProvider(TraceEditorProvider.viewType, new TraceEditorProvider(viewContext, () => readSettings().routeRegressionThreshold), {
      webviewOptions: { retainContextWhenHidden: false }, supportsMultipleEditorsPerDocument: true,
    }),
    vscode.window.registerWebviewPanelSerializer(HeapPanel.viewType, {
      async deserializeWebviewPanel(webviewPanel) {
        if (controller.source) panel.adopt(webviewPanel, controller.source);
        else webviewPanel.dispose();
      },
    }),

    vscode.commands.registerCommand(Command.build, async (layoutArg?: string, modeArg?: string) => {
      const layout = layoutArg ?? (await vscode.window.showQuickPick(LAYOUTS.map((l) => ({ label: l, description: l === 'aligned' ? 'USER 16-byte aligned: any program' : "the seeds' layout: USER = BASE + 1" })), { title: 'Slabscope: layout to build' }))?.label;
      if (!layout) return false;
      const mode = modeArg ?? (await vscode.window.showQuickPick(MODES.map((m) => ({ label: m, description: m === 'trace' ? 'checks and the pointer trace' : m === 'check' ? 'checks, no trace' : 'no checks' })), { title: 'Slabscope: mode to build' }))?.label;
      if (!mode) return false;
      const task = buildTask(nativeDir, { type: TASK_TYPE, layout: layout as (typeof LAYOUTS)[number], mode: mode as (typeof MODES)[number] }, log);
      return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Slabscope: building ${layout} ${mode}`, cancellable: false }, async () => {
        const execution = await vscode.tasks.executeTask(task);
        const code = await new Promise<number | undefined>((resolve) => {
          const done = vscode.tasks.onDidEndTaskProcess((event) => {
            if (event.execution === execution) { done.dispose(); resolve(event.exitCode); }
          });
        });
        if (code === 0) void vscode.window.showInformationMessage(`Slabscope: ${layout} ${mode} built`);
        else { log.show(true); void vscode.window.showErrorMessage(`Slabscope: the build failed (make exited with ${code}); see the Slabscope log`); }
        return code === 0;
      });
    }),

    vscode.commands.registerCommand(Command.run, async (programArg?: string, argsArg?: string[]) => {
      const remembered = context.workspaceState.get<{ program: string; args: string }[]>(RECENT_PROGRAMS, []);
      let program = programArg;
      if (!program) {
        const bugs = join(nativeDir, 'build', 'test', 'bugs');
        const demos = existsSync(bugs) ? readdirSync(bugs).filter((name) => !name.includes('.')).sort() : [];
        const picks: (vscode.QuickPickItem & { path?: string })[] = [
          ...remembered.map((entry) => ({ label: basename(entry.program), description: entry.program, detail: entry.args ? `arguments: ${entry.args}` : undefined, path: entry.program })),
          ...demos.map((name) => ({ label: `${name} (demo)`, description: join(bugs, name), path: join(bugs, name) })),
          { label: '$(folder-opened) Browse…', alwaysShow: true },
        ];
        const picked = await vscode.window.showQuickPick(picks, { title: 'Slabscope: program to run with tracing', matchOnDescription: true });
        if (!picked) return;
        program = picked.path ?? (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Run with tracing' }))?.[0]?.fsPath;
        if (!program) return;
      }
      let args = argsArg;
      if (!args) {
        const previous = remembered.find((entry) => entry.program === program)?.args ?? '';
        const text = await vscode.window.showInputBox({ title: `Slabscope: arguments for ${basename(program)}`, value: previous, prompt: 'Separated by spaces; leave empty for none' });
        if (text === undefined) return;
        args = text.trim() ? text.trim().split(/\s+/) : [];
      }
      await context.workspaceState.update(RECENT_PROGRAMS, [{ program, args: args.join(' ') }, ...remembered.filter((entry) => entry.program !== program)].slice(0, 10));
      const settings = readSettings();
      const layout = /\/native\/build\/test\/bugs\//.test(program) ? 'hakmem' : settings.defaultLayout;
      const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? root;
      try {
        const running = controller.run({ program, args, cwd, layout }, traceDir());
        await vscode.commands.executeCommand(focusCommand(View.findings));
        await running;
        if (controller.source) panel.show(controller.source);
      } catch (error) {
        void vscode.window.showErrorMessage(`Slabscope: ${(error as Error).message}`);
      }
    }),

    vscode.commands.registerCommand(Command.attach, async () => {
      try {
        const { env } = await controller.attach(traceDir(), readSettings().defaultLayout);
        await vscode.env.clipboard.writeText(env);
        void vscode.window.showInformationMessage(`Slabscope is listening. Start your program with: ${env} (copied)`);
      } catch (error) {
        void vscode.window.showErrorMessage(`Slabscope: ${(error as Error).message}`);
      }
    }),

    vscode.commands.registerCommand(Command.stop, () => controller.stop()),

    vscode.commands.registerCommand(Command.openTrace, async (uri?: vscode.Uri) => {
      const target = uri ?? (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Slabscope traces': ['hktrace'] }, openLabel: 'Open trace' }))?.[0];
      if (!target) return;
      try {
        controller.openTrace(target.fsPath);
        await vscode.commands.executeCommand('vscode.openWith', target, TraceEditorProvider.viewType);
      } catch (error) {
        void vscode.window.showErrorMessage(`Slabscope: ${(error as Error).message}`);
      }
    }),

    vscode.commands.registerCommand(Command.showHeap, () => {
      if (!controller.source) {
        void vscode.window.showInformationMessage('Slabscope: nothing to show yet — run a program with tracing, attach, or open a trace');
        return;
      }
      panel.show(controller.source);
    }),

    vscode.commands.registerCommand(Command.exportReport, async () => {
      const source = controller.source;
      const handshake = source?.handshake(), summary = source?.summary();
      if (!source || !handshake || !summary) {
        void vscode.window.showInformationMessage('Slabscope: no trace to report on');
        return;
      }
      const format = (await vscode.window.showQuickPick(['JSON', 'SARIF'], { title: 'Slabscope: report format' }));
      if (!format) return;
      const target = await vscode.window.showSaveDialog({ filters: format === 'JSON' ? { 'Slabscope report': ['json'] } : { SARIF: ['sarif'] } });
      if (!target) return;
      const symbolizer = new Symbolizer(handshake.modules, { tool: readSettings().symbolizerPath || undefined });
      try {
        const report = await buildReport(source.findings(), summary, reportContext(handshake, symbolizer, root));
        const version = (context.extension.packageJSON as { version: string }).version;
        writeFileSync(target.fsPath, `${JSON.stringify(format === 'JSON' ? report : toSarif(report, version), null, 2)}\n`);
        void vscode.window.showInformationMessage(`Slabscope: report written to ${target.fsPath}`);
      } finally {
        symbolizer.close();
      }
    }),

    vscode.commands.registerCommand(Command.openSource, (file: string, line: number) => openSource(file, line)),

    vscode.commands.registerCommand(Command.runDemo, async () => {
      const built = await vscode.commands.executeCommand<boolean>(Command.build, 'hakmem', 'trace');
      if (built) await vscode.commands.executeCommand(Command.run, join(nativeDir, 'build', 'test', 'bugs', 'double_free'), []);
    }),
  );
  updateStatus();
}

export function deactivate(): void {}
