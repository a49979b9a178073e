// map-axes.ts — the heap map's rulers. Across, each slab column has its own:
// the byte offset within the slab's row (a row is 1 KiB of one slab), finer as
// the map zooms in; zoomed out too far for that, each superslab has one that
// counts its slab columns (+0 … +7, added to the slab the row starts with). Down, one ruler names the slab row ("slab 8": the row's
// first slab), close up the KiB offset within the slab ("slab 8 +12K"), and,
// when there are several superslabs, the superslabs of that row of the grid
// ("#3–5"). Every tick says the whole of where it is, so no two read alike.

import type { TextMeasure } from './labels';

export interface MapGeometry {
  /** bytes per world unit (a cell's width) */
  unit: number;
  /** units per slab row */
  rowUnits: number;
  /** slabs side by side in a superslab */
  slabsAcross: number;
  /** rows (1 KiB each) per slab */
  slabRows: number;
  /** rows of slabs in a superslab */
  slabsDown: number;
  /** world units between superslabs */
  gap: number;
  /** superslabs side by side */
  across: number;
  superslabs: number;
}

export interface View {
  k: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A ruler across: `ticks` are bytes into a slab row (unit 'bytes') or slab columns (unit 'slabs'), drawn from start to end. */
export interface ColumnRuler {
  key: string;
  unit: 'bytes' | 'slabs';
  start: number;
  end: number;
  domain: number;
  ticks: number[];
  texts: string[];
}
export interface RowTick {
  at: number;
  text: string;
}

export const TICK_CLASS = 'tick-text';
/** Least distance between the centres of two ticks' texts down the map, in pixels. */
const ROW_SPACING = 18;
/** Least gap between two ticks' texts across the map, in pixels. */
const TEXT_GAP = 8;

const superslabWidth = (g: MapGeometry) => g.slabsAcross * g.rowUnits;
const superslabHeight = (g: MapGeometry) => g.slabsDown * g.slabRows;

/** The rulers across: one per slab column in view, ticks in bytes from the row's start; zoomed far out, one per superslab counting its columns. */
export function columnRulers(g: MapGeometry, view: View, left: number, measure: TextMeasure): ColumnRuler[] {
  const rowBytes = g.rowUnits * g.unit;
  const columnWidth = g.rowUnits * view.k;
  const fits = (texts: string[], spacing: number) =>
    Math.max(...texts.map((text) => measure.size(text, TICK_CLASS).width)) + TEXT_GAP <= spacing;
  let step = 0;
  for (let bytes = g.unit; bytes < rowBytes && !step; bytes *= 2) {
    const texts: string[] = [];
    for (let at = 0; at < rowBytes; at += bytes) texts.push(String(at));
    if (fits(texts, (bytes / g.unit) * view.k)) step = bytes;
  }
  // too narrow for two offsets in a column: count columns instead, every one or every few
  let columnStep = 0;
  if (!step)
    for (let columns = 1; columns < g.slabsAcross && !columnStep; columns *= 2) {
      const texts: string[] = [];
      for (let c = 0; c < g.slabsAcross; c += columns) texts.push(`+${c}`);
      if (fits(texts, columns * columnWidth)) columnStep = columns;
    }
  const period = superslabWidth(g) + g.gap;
  const rulers: ColumnRuler[] = [];
  const keep = (at: number, text: string) => {
    const half = measure.size(text, TICK_CLASS).width / 2;
    return at - half >= left + 2 && at + half <= view.width - 2;
  };
  const first = Math.max(0, Math.floor(-view.x / view.k / period));
  for (let j = first; j < g.across; j++) {
    const origin = j * period * view.k + view.x;
    if (origin > view.width) break;
    if (!step) {
      const end = origin + g.slabsAcross * columnWidth;
      if (end < left) continue;
      const ticks: number[] = [];
      if (columnStep) for (let c = 0; c < g.slabsAcross; c += columnStep) if (keep(origin + c * columnWidth, `+${c}`)) ticks.push(c);
      rulers.push({ key: `${j}`, unit: 'slabs', start: origin, end, domain: g.slabsAcross, ticks, texts: ticks.map((c) => `+${c}`) });
      continue;
    }
    for (let c = 0; c < g.slabsAcross; c++) {
      const start = origin + c * columnWidth,
        end = start + columnWidth;
      if (end < left || start > view.width) continue;
      const ticks: number[] = [];
      for (let bytes = 0; bytes < rowBytes; bytes += step) if (keep(start + (bytes / g.unit) * view.k, String(bytes))) ticks.push(bytes);
      rulers.push({ key: `${j}:${c}`, unit: 'bytes', start, end, domain: rowBytes, ticks, texts: ticks.map(String) });
    }
  }
  return rulers;
}

/** The ticks down: slab rows, superslab rows of the grid and, close up, KiB within the slab. */
export function rowTicks(g: MapGeometry, view: View, top: number, measure: TextMeasure): RowTick[] {
  const height = superslabHeight(g),
    period = height + g.gap;
  const rowKiB = (g.rowUnits * g.unit) / 1024;
  // the finest step whose ticks stay ROW_SPACING apart: KiB rows, then slab rows, then grid rows
  let rowStep = 0,
    slabStep = 1,
    gridStep = 1;
  for (let rows = 1; rows < g.slabRows; rows *= 2)
    if (rows * view.k >= ROW_SPACING) {
      rowStep = rows;
      break;
    }
  if (!rowStep) {
    rowStep = g.slabRows;
    while (slabStep < g.slabsDown && slabStep * g.slabRows * view.k < ROW_SPACING) slabStep *= 2;
    if (slabStep * g.slabRows * view.k < ROW_SPACING) {
      slabStep = g.slabsDown;
      while (gridStep * period * view.k < ROW_SPACING) gridStep *= 2;
    }
  }
  const gridRows = Math.ceil(g.superslabs / g.across);
  const lineHeight = measure.size('slab', TICK_CLASS);
  const half = (lineHeight.ascent + lineHeight.descent) / 2;
  const ticks: RowTick[] = [];
  const first = Math.max(0, Math.floor((top - view.y) / view.k / period));
  for (let r = first - (first % gridStep); r < gridRows; r += gridStep) {
    if (r * period * view.k + view.y > view.height) break;
    const a = r * g.across,
      b = Math.min(g.superslabs - 1, a + g.across - 1);
    const prefix = g.superslabs > 1 ? (a === b ? `#${a} ` : `#${a}–${b} `) : '';
    for (let s = 0; s < g.slabsDown; s += slabStep) {
      for (let row = 0; row < g.slabRows; row += rowStep) {
        const at = (r * period + s * g.slabRows + row) * view.k + view.y;
        if (at - half < top + 2 || at + half > view.height - 2) continue;
        ticks.push({ at, text: `${prefix}slab ${s * g.slabsAcross}${row ? ` +${row * rowKiB}K` : ''}` });
      }
    }
  }
  return ticks;
}
