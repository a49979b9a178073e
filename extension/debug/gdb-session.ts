// gdb-session.ts — the debug type slabscope-gdb's adapter: cdt-gdb-adapter's
// GDBDebugSession, with a core-file request of its own: `coreFile` loads the core
// after the program and, at configurationDone, reports the process stopped
// instead of running it (cdt-gdb-adapter has no core request). Imported from
// dist/desktop, not the package root, which loads serialport.
import { StoppedEvent } from '@vscode/debugadapter';
import { GDBDebugSession } from 'cdt-gdb-adapter/dist/desktop/GDBDebugSession';
import type { DebugProtocol } from '@vscode/debugprotocol';

export interface SlabscopeLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  program?: string;
  coreFile?: string;
  initCommands?: string[];
}

export class SlabscopeGdbSession extends GDBDebugSession {
  private coreFile: string | undefined;

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: SlabscopeLaunchArguments): Promise<void> {
    this.coreFile = args.coreFile;
    const launch = this.coreFile ? { ...args, initCommands: [...(args.initCommands ?? []), `core-file ${this.coreFile}`] } : args;
    return super.launchRequest(response, launch as never);
  }

  protected override async configurationDoneRequest(
    response: DebugProtocol.ConfigurationDoneResponse,
    args: DebugProtocol.ConfigurationDoneArguments,
  ): Promise<void> {
    if (!this.coreFile) return super.configurationDoneRequest(response, args);
    this.sendResponse(response);
    this.sendEvent(new StoppedEvent('core file', 1) as DebugProtocol.StoppedEvent);
  }
}
