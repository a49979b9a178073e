// pointer-labels.ts — the pointers of the stopped frame labelled in the editor:
// after the last line up to the stop that names a variable whose value lands in
// our heap, what it points at ("freed: USER of a C4 block, free in thread 1's
// cache"). The values are the frame's own (the adapter's scopes and variables);
// what they are comes from the heap read at this stop.
import * as vscode from 'vscode';
import { valueTarget } from '../debug/pointer-label';
import type { StoppedHeaps } from './stopped-heap';

interface DapVariable {
  readonly name: string;
  readonly value: string;
}

/** The frame's variables in its first scope (the locals and arguments), as the adapter gives them. */
async function frameVariables(session: vscode.DebugSession, frameId: number): Promise<DapVariable[]> {
  const { scopes } = (await session.customRequest('scopes', { frameId })) as {
    scopes?: { variablesReference: number; expensive?: boolean }[];
  };
  const scope = scopes?.find((entry) => !entry.expensive && entry.variablesReference > 0);
  if (!scope) return [];
  const { variables } = (await session.customRequest('variables', { variablesReference: scope.variablesReference })) as {
    variables?: DapVariable[];
  };
  return (variables ?? []).filter((variable) => typeof variable.name === 'string' && typeof variable.value === 'string');
}

export class PointerLabels implements vscode.InlineValuesProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlineValues = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly heaps: StoppedHeaps,
    private readonly log: vscode.OutputChannel,
  ) {
    this.subscription = heaps.onDidChange(() => this.changed.fire());
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  async provideInlineValues(
    document: vscode.TextDocument,
    viewPort: vscode.Range,
    context: vscode.InlineValueContext,
  ): Promise<vscode.InlineValue[]> {
    const session = vscode.debug.activeDebugSession;
    if (!session) return [];
    // the editor asks as soon as it shows the stop; the heap of that stop may still be in flight
    await this.heaps.settled(session);
    const heap = this.heaps.current;
    if (!heap || session.id !== heap.session.id) return [];
    let variables: DapVariable[];
    try {
      variables = await frameVariables(session, context.frameId);
    } catch (error) {
      this.log.appendLine(`the variables of frame ${context.frameId} could not be listed: ${(error as Error).message}`);
      return [];
    }
    const last = Math.min(context.stoppedLocation.end.line, viewPort.end.line, document.lineCount - 1);
    const labels: vscode.InlineValue[] = [];
    for (const variable of variables) {
      // the words are the adapter's labels' (pointer-label.ts): a slabscope-gdb value already carries them
      const target = valueTarget(heap.state, heap.lists, variable.value);
      if (!target) continue;
      const word = new RegExp(`\\b${variable.name.replace(/[^\w]/g, '')}\\b`);
      for (let line = last; line >= viewPort.start.line; line--) {
        const text = document.lineAt(line).text;
        if (!word.test(text)) continue;
        labels.push(
          new vscode.InlineValueText(new vscode.Range(line, text.length, line, text.length), `${variable.name}: ${target.label}`),
        );
        break;
      }
    }
    return labels;
  }
}
