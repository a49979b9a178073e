// settings.ts — the extension's settings (contributes.configuration), read in one place.
import * as vscode from 'vscode';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

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
  const config = vscode.workspace.getConfiguration('slabscope');
  const directory = config.get<string>('socketDirectory', '').trim();
  return {
    socketDirectory: directory ? directory.replace(/^~(?=\/|$)/, homedir()) : join(tmpdir(), `slabscope-${process.getuid?.() ?? 'user'}`),
    ringEvents: config.get<number>('ringEvents', 0),
    lossy: config.get<boolean>('lossy', false),
    defaultLayout: config.get<string>('defaultLayout', 'aligned') === 'hakmem' ? 'hakmem' : 'aligned',
    symbolizerPath: config.get<string>('symbolizerPath', ''),
    routeRegressionThreshold: Math.min(1, Math.max(0, config.get<number>('routeRegressionThreshold', 0.05))),
  };
}
