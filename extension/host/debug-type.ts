// debug-type.ts — the slabscope-gdb debug type: cdt-gdb-adapter's gdb session
// (extension/debug/gdb-session.ts) run in the extension host as an inline adapter,
// its `preload` resolved to the build it names. The adapter's code loads on first use.
// Each session is kept by its id while it lasts: the heap it reads at a stop serves
// the views too (no second read), and the Heap view sets its data breakpoints.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { ensureNativeBuilt } from '../record';
import { preloadCommands, preloadLibrary } from '../debug/launch-config';
import type { SlabscopeGdbSession } from '../debug/gdb-session';
import type { StopHeap } from '../debug/stop-heap';
import type { SlabscopeContext } from './context';
import { DEBUG_TYPE } from './ids';

/** The inline slabscope-gdb sessions, by the editor's session id. */
export class GdbSessions {
  private readonly byId = new Map<string, SlabscopeGdbSession>();
  private stopHeapListener: ((session: vscode.DebugSession, heap: StopHeap) => Promise<void>) | null = null;

  /** Each heap a session reads at gdb's stop, as soon as it is read (before its `stopped` event). */
  onStopHeap(listener: (session: vscode.DebugSession, heap: StopHeap) => Promise<void>): void {
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

/** A preload of a trace build: its program's trace streams to the views while it is debugged. */
const TRACE_PRELOAD = /^(aligned|hakmem)\/trace$/;

export function registerDebugType(ctx: SlabscopeContext): GdbSessions {
  const sessions = new GdbSessions();
  /** the listening each traced debug session started, by the token its configuration carries */
  const listening = new Map<string, vscode.Disposable>();
  ctx.push(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      async resolveDebugConfiguration(folder, config) {
        if (!config.type && !config.request) return undefined; // no launch.json: VS Code offers to make one
        const cwd = typeof config.cwd === 'string' ? config.cwd : (folder?.uri.fsPath ?? process.cwd());
        const initCommands = Array.isArray(config.initCommands) ? config.initCommands : [];
        const starts = config.request === 'launch' && !config.coreFile;
        const preload = typeof config.preload === 'string' ? config.preload : undefined;
        const named = starts ? preloadLibrary(ctx.nativeDir, preload, cwd) : null;
        if (named?.startsWith(ctx.nativeDir) && !existsSync(named)) {
          // one of the allocator's own builds, not made yet: make it, as a run does
          await vscode.window.withProgress(
            {
              location: vscode.ProgressLocation.Notification,
              title: `Slabscope: building the allocator for ${preload ?? 'aligned/release'}`,
            },
            async () => ensureNativeBuilt(ctx.nativeDir),
          );
        }
        const traced = starts ? TRACE_PRELOAD.exec(preload ?? '') : null;
        if (traced) {
          // the trace build streams to the views while it is debugged; each stop is compared with that trace
          const name = basename(typeof config.program === 'string' ? config.program : 'program');
          const { variables, scope } = await ctx.controller.listenForDebuggee(ctx.traceDir(), traced[1] as 'aligned' | 'hakmem', name);
          const token = `${Date.now()}-${listening.size}`;
          listening.set(token, scope);
          const environment = Object.entries(variables).map(([key, value]) => `set environment ${key}=${value}`);
          return { ...config, cwd, slabscopeTrace: token, initCommands: [...environment, ...initCommands] };
        }
        const library = starts ? preloadLibrary(ctx.nativeDir, preload, cwd) : null;
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
    vscode.debug.onDidTerminateDebugSession((session) => {
      sessions.delete(session.id);
      const token = session.configuration.slabscopeTrace;
      if (typeof token === 'string') {
        listening.get(token)?.dispose();
        listening.delete(token);
      }
    }),
  );
  return sessions;
}
