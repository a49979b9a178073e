// settings.ts — the extension's settings (contributes.configuration), read in one place.
import * as vscode from 'vscode';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Setting } from './ids';

export interface Settings {
  socketDirectory: string;
  ringEvents: number;
  /** a full ring drops events (counted) instead of waiting for the viewer */
  lossy: boolean;
  defaultLayout: 'aligned' | 'hakmem';
  symbolizerPath: string;
  routeRegressionThreshold: number;
}

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration();
  const directory = config.get<string>(Setting.socketDirectory, '').trim();
  return {
    socketDirectory: directory ? directory.replace(/^~(?=\/|$)/, homedir()) : join(tmpdir(), `slabscope-${process.getuid?.() ?? 'user'}`),
    ringEvents: config.get<number>(Setting.ringEvents, 0),
    lossy: config.get<boolean>(Setting.lossy, false),
    defaultLayout: config.get<string>(Setting.defaultLayout, 'aligned') === 'hakmem' ? 'hakmem' : 'aligned',
    symbolizerPath: config.get<string>(Setting.symbolizerPath, ''),
    routeRegressionThreshold: Math.min(1, Math.max(0, config.get<number>(Setting.routeRegressionThreshold, 0.05))),
  };
}
