// tasks.ts — the `slabscope` task type: make in the allocator's folder for a
// layout and a mode, its output in the terminal (gcc's problem matcher reads it)
// and in the Slabscope log.
import * as vscode from 'vscode';
import { spawn } from 'node:child_process';
import type { SlabscopeContext } from './context';
import { TASK_TYPE } from './ids';

export const LAYOUTS = ['aligned', 'hakmem'] as const;
export const MODES = ['trace', 'check', 'release'] as const;

export interface BuildDefinition extends vscode.TaskDefinition {
  layout: (typeof LAYOUTS)[number];
  mode: (typeof MODES)[number];
}

export function buildTask(nativeDir: string, definition: BuildDefinition, log: vscode.OutputChannel): vscode.Task {
  const targets = [`build/${definition.layout}/${definition.mode}/libslabscope.so`, 'layout', 'bugtests'];
  const task = new vscode.Task(
    definition,
    vscode.TaskScope.Workspace,
    `build ${definition.layout} ${definition.mode}`,
    TASK_TYPE,
    new vscode.CustomExecution(async () => makeTerminal(nativeDir, targets, log)),
    '$gcc',
  );
  task.group = vscode.TaskGroup.Build;
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent, clear: true };
  return task;
}

function makeTerminal(nativeDir: string, targets: string[], log: vscode.OutputChannel): vscode.Pseudoterminal {
  const write = new vscode.EventEmitter<string>();
  const done = new vscode.EventEmitter<number>();
  let kill = () => {};
  return {
    onDidWrite: write.event,
    onDidClose: done.event,
    open: () => {
      const line = `make -C ${nativeDir} -j2 ${targets.join(' ')}`;
      log.appendLine(`$ ${line}`);
      write.fire(`${line}\r\n`);
      const child = spawn('make', ['-C', nativeDir, '-j2', ...targets], { stdio: ['ignore', 'pipe', 'pipe'] });
      kill = () => child.kill('SIGTERM');
      const show = (data: Buffer) => {
        const text = data.toString('utf8');
        log.append(text);
        write.fire(text.replace(/\r?\n/g, '\r\n'));
      };
      child.stdout.on('data', show);
      child.stderr.on('data', show);
      child.on('error', (error) => {
        show(Buffer.from(`could not run make: ${error.message}\n`));
        done.fire(127);
      });
      child.on('close', (code) => {
        log.appendLine(code === 0 ? 'build finished' : `build failed (make exited with ${code})`);
        done.fire(code ?? 1);
      });
    },
    close: () => kill(),
  };
}

export class BuildTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly nativeDir: string,
    private readonly log: vscode.OutputChannel,
  ) {}
  provideTasks(): vscode.Task[] {
    return LAYOUTS.flatMap((layout) => MODES.map((mode) => buildTask(this.nativeDir, { type: TASK_TYPE, layout, mode }, this.log)));
  }
  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as BuildDefinition;
    if (!LAYOUTS.includes(definition.layout) || !MODES.includes(definition.mode)) return undefined;
    return buildTask(this.nativeDir, definition, this.log);
  }
}

export function registerBuildTasks(ctx: SlabscopeContext): void {
  ctx.push(vscode.tasks.registerTaskProvider(TASK_TYPE, new BuildTaskProvider(ctx.nativeDir, ctx.log)));
}
