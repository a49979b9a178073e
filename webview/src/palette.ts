// palette.ts — the state colours, read from the theme's CSS variables (VS Code's
// --vscode-* colours in the editor, light and dark defaults in a browser), as
// packed pixels for the map's image and as CSS colours for everything else.

import { VIEW_BLOCK_STATES, type ViewBlockState } from '../../extension/protocol/view-protocol';

/** A letter per state: colour is never the only signal. */
export const STATE_LETTERS: Record<ViewBlockState, string> = {
  'never-carved': '·',
  allocated: 'A',
  'free-cache': 'C',
  'free-slab': 'S',
  'remote-pending': 'R',
  unknown: '?',
  corrupt: '✕',
};
export const STATE_LABELS: Record<ViewBlockState, string> = {
  'never-carved': 'never carved',
  allocated: 'allocated',
  'free-cache': 'free in a thread cache',
  'free-slab': 'free in the slab freelist',
  'remote-pending': 'pending in a remote queue',
  unknown: 'unknown (lost events)',
  corrupt: 'corrupt',
};

export interface Palette {
  /** per state index: CSS colour */
  readonly css: string[];
  /** per state index: RGBA packed for a Uint32Array over ImageData (little-endian) */
  readonly pixel: Uint32Array;
  readonly background: string;
  readonly absent: number;
  readonly tail: number;
  readonly metadata: number;
  readonly grid: string;
  readonly text: string;
  readonly error: string;
}

function parseColour(css: string, probe: CanvasRenderingContext2D): [number, number, number, number] {
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = '#000';
  probe.fillStyle = css;
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = probe.getImageData(0, 0, 1, 1).data;
  return [r!, g!, b!, a!]; // one pixel: four bytes
}

function pack([r, g, b, a]: [number, number, number, number]): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

export function readPalette(root: HTMLElement): Palette {
  const style = getComputedStyle(root);
  const probe = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
  const value = (name: string) => style.getPropertyValue(name).trim() || '#888';
  const css = VIEW_BLOCK_STATES.map((state) => value(`--ss-state-${state}`));
  const pixel = new Uint32Array(css.map((colour) => pack(parseColour(colour, probe))));
  return {
    css,
    pixel,
    background: value('--ss-map-background'),
    absent: pack(parseColour(value('--ss-map-absent'), probe)),
    tail: pack(parseColour(value('--ss-map-tail'), probe)),
    metadata: pack(parseColour(value('--ss-map-metadata'), probe)),
    grid: value('--ss-map-grid'),
    text: value('--ss-foreground'),
    error: value('--ss-error'),
  };
}
