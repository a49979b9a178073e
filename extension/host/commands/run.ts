// run.ts — Run Program with Tracing: pick a program (recent ones, the bundled
// demos, or browse) and its arguments, run it traced in a terminal, show the
// heap when it ends.
import * as vscode from 'vscode';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { SlabscopeContext } from '../context';
import { Command, RECENT_PROGRAMS, View, focusCommand } from '../ids';
import { RunTerminal } from '../run-terminal';

interface RecentProgram {
  program: string;
  args: string;
}

export function register(ctx: SlabscopeContext): void {
  ctx.push(
    vscode.commands.registerCommand(Command.run, async (programArg?: string, argsArg?: string[]) => {
      const state = ctx.extension.workspaceState;
      const remembered = state.get<RecentProgram[]>(RECENT_PROGRAMS, []);
      const program = programArg ?? (await pickProgram(ctx, remembered));
      if (!program) return;
      let args = argsArg;
      if (!args) {
        const previous = remembered.find((entry) => entry.program === program)?.args ?? '';
        const text = await vscode.window.showInputBox({
          title: `Slabscope: arguments for ${basename(program)}`,
          value: previous,
          prompt: 'Separated by spaces; leave empty for none',
        });
        if (text === undefined) return;
        args = text.trim() ? text.trim().split(/\s+/) : [];
      }
      await state.update(
        RECENT_PROGRAMS,
        [{ program, args: args.join(' ') }, ...remembered.filter((entry) => entry.program !== program)].slice(0, 10),
      );
      const layout = /\/native\/build\/test\/bugs\//.test(program) ? 'hakmem' : ctx.settings().defaultLayout;
      const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? ctx.root;
      const openTerminal = (name: string, header: string, onClose: () => void) => {
        const terminal = new RunTerminal(name, header, onClose);
        ctx.push(terminal);
        return terminal;
      };
      try {
        const running = ctx.controller.run({ program, args, cwd, layout }, ctx.traceDir(), openTerminal);
        await vscode.commands.executeCommand(focusCommand(View.findings));
        await running;
        if (ctx.controller.source) ctx.panel.show(ctx.controller.source);
      } catch (error) {
        void vscode.window.showErrorMessage(`Slabscope: ${(error as Error).message}`);
      }
    }),
  );
}

async function pickProgram(ctx: SlabscopeContext, remembered: readonly RecentProgram[]): Promise<string | undefined> {
  const bugs = join(ctx.nativeDir, 'build', 'test', 'bugs');
  const demos = existsSync(bugs)
    ? readdirSync(bugs)
        .filter((name) => !name.includes('.'))
        .sort()
    : [];
  const picks: (vscode.QuickPickItem & { path?: string })[] = [
    ...remembered.map((entry) => ({
      label: basename(entry.program),
      description: entry.program,
      detail: entry.args ? `arguments: ${entry.args}` : undefined,
      path: entry.program,
    })),
    ...demos.map((name) => ({ label: `${name} (demo)`, description: join(bugs, name), path: join(bugs, name) })),
    { label: '$(folder-opened) Browse…', alwaysShow: true },
  ];
  const picked = await vscode.window.showQuickPick(picks, { title: 'Slabscope: program to run with tracing', matchOnDescription: true });
  if (!picked) return undefined;
  return picked.path ?? (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Run with tracing' }))?.[0]?.fsPath;
}
