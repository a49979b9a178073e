// build.ts — Build Allocator: make a layout's build in a mode, as a task (its
// output in the terminal and the log); says whether it built.
import * as vscode from 'vscode';
import type { SlabscopeContext } from '../context';
import { Command, TASK_TYPE } from '../ids';
import { LAYOUTS, MODES, buildTask } from '../tasks';

export function register(ctx: SlabscopeContext): void {
  ctx.push(
    vscode.commands.registerCommand(Command.build, async (layoutArg?: string, modeArg?: string) => {
      const layout =
        layoutArg ??
        (
          await vscode.window.showQuickPick(
            LAYOUTS.map((l) => ({
              label: l,
              description: l === 'aligned' ? 'USER 16-byte aligned: any program' : "the seeds' layout: USER = BASE + 1",
            })),
            { title: 'Slabscope: layout to build' },
          )
        )?.label;
      if (!layout) return false;
      const mode =
        modeArg ??
        (
          await vscode.window.showQuickPick(
            MODES.map((m) => ({
              label: m,
              description: m === 'trace' ? 'checks and the pointer trace' : m === 'check' ? 'checks, no trace' : 'no checks',
            })),
            { title: 'Slabscope: mode to build' },
          )
        )?.label;
      if (!mode) return false;
      const task = buildTask(
        ctx.nativeDir,
        { type: TASK_TYPE, layout: layout as (typeof LAYOUTS)[number], mode: mode as (typeof MODES)[number] },
        ctx.log,
      );
      return vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Slabscope: building ${layout} ${mode}`, cancellable: false },
        async () => {
          const execution = await vscode.tasks.executeTask(task);
          const code = await new Promise<number | undefined>((resolve) => {
            const done = vscode.tasks.onDidEndTaskProcess((event) => {
              if (event.execution === execution) {
                done.dispose();
                resolve(event.exitCode);
              }
            });
          });
          if (code === 0) void vscode.window.showInformationMessage(`Slabscope: ${layout} ${mode} built`);
          else {
            ctx.log.show(true);
            void vscode.window.showErrorMessage(`Slabscope: the build failed (make exited with ${code}); see the Slabscope log`);
          }
          return code === 0;
        },
      );
    }),
  );
}
