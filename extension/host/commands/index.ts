// index.ts — every command of the extension, one file each.
import type { SlabscopeContext } from '../context';
import * as attach from './attach';
import * as build from './build';
import * as debugFromHere from './debug-from-here';
import * as debugTrace from './debug-trace';
import * as exportReport from './export-report';
import * as openSource from './open-source';
import * as openTrace from './open-trace';
import * as run from './run';
import * as runDemo from './run-demo';
import * as showHeap from './show-heap';
import * as stop from './stop';

export function registerCommands(ctx: SlabscopeContext): void {
  for (const command of [build, run, attach, stop, openTrace, showHeap, exportReport, openSource, runDemo, debugTrace, debugFromHere])
    command.register(ctx);
}
