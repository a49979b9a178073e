// debug-type.ts — the slabscope-gdb debug type: cdt-gdb-adapter's gdb session
// (extension/debug/gdb-session.ts) run in the extension host as an inline adapter,
// its `preload` resolved to the build it names. The adapter's code loads on first use.
// Each session is kept by its id while it lasts: the heap it reads at a stop serves
// the views too (no second read), and the Heap view sets its data breakpoints.
import * as vscode from 'vscode';
import { preloadCommands, preloadLibrary } from '../debug/launch-config';
import type { SlabscopeGdbSession } from '../debug/gdb-session';
import type { StopHeap } from '../debug/stop-heap';
import type { SlabscopeContext } from './context';
import { DEBUG_TYPE } from './ids';

/** The inline slabscope-gdb sessions, by the editor's session id. */
export class GdbSessions {
  private readonly byId = new Map<string, SlabscopeGdbSession>();
  private stopHeapListener: ((session: vscode.DebugSession, heap: StopHeap) => void) | null = null;

  /** Each heap a session reads at gdb's stop, as soon as it is read (before its `stopped` event). */
  onStopHeap(listener: (session: vscode.DebugSession, heap: StopHeap) => void): void {
    this.stopHeapListener = listener;
  }

  get(session: vscode.DebugSession): SlabscopeGdbSession | undefined {
    return session.type === DEBUG_TYPE ? this.byId.get(session.id) : undefined;
  }

  add(session: vscode.DebugSession, adapter: SlabscopeGdbSession): void {
    this.byId.set(session.id, adapter);
    adapter.heaps.onReadAtStop = (heap) => this.stopHeapListener?.(session, heap);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }
}

export function registerDebugType(ctx: SlabscopeContext): GdbSessions {
  const sessions = new GdbSessions();
  ctx.push(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      resolveDebugConfiguration(folder, config) {
        if (!config.type && !config.request) return undefined; // no launch.json: VS Code offers to make one
        const cwd = typeof config.cwd === 'string' ? config.cwd : (folder?.uri.fsPath ?? process.cwd());
        const initCommands = Array.isArray(config.initCommands) ? config.initCommands : [];
        const starts = config.request === 'launch' && !config.coreFile;
        const library = starts ? preloadLibrary(ctx.nativeDir, typeof config.preload === 'string' ? config.preload : undefined, cwd) : null;
        return { ...config, cwd, initCommands: [...preloadCommands(library), ...initCommands] };
      },
    }),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      async createDebugAdapterDescriptor(session) {
        const { SlabscopeGdbSession } = await import('../debug/gdb-session');
        const adapter = new SlabscopeGdbSession({ nativeDir: ctx.nativeDir });
        sessions.add(session, adapter);
        return new vscode.DebugAdapterInlineImplementation(adapter as unknown as vscode.DebugAdapter);
      },
    }),
    vscode.debug.onDidTerminateDebugSession((session) => sessions.delete(session.id)),
  );
  return sessions;
}
