// debug-type.ts — the slabscope-gdb debug type: cdt-gdb-adapter's gdb session
// (extension/debug/gdb-session.ts) run in the extension host as an inline adapter,
// its `preload` resolved to the build it names, its heap read at each stop before the
// stop is reported (StoppedHeaps.prereadAt). The adapter's code loads on first use.
import * as vscode from 'vscode';
import { preloadCommands, preloadLibrary } from '../debug/launch-config';
import type { SlabscopeContext } from './context';
import type { StoppedHeaps } from './stopped-heap';
import { DEBUG_TYPE } from './ids';

export function registerDebugType(ctx: SlabscopeContext, heaps: StoppedHeaps): void {
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
        const adapter = new SlabscopeGdbSession();
        adapter.onStop((port, stop) => heaps.prereadAt(session, port, stop));
        return new vscode.DebugAdapterInlineImplementation(adapter as unknown as vscode.DebugAdapter);
      },
    }),
  );
}
