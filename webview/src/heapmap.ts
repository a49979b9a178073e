// heapmap.ts — the heap map: every block of every slab as a cell coloured by its
// state. Cells are pixels of one image per superslab (a unit is 8 bytes, a slab
// row 1 KiB, a slab 64 rows; slabs 8 across), drawn on canvas through the zoom
// transform; axes, labels, corrupt marks and the selection are SVG on top.

import { select, zoom, zoomIdentity, type Selection as D3Selection, type ZoomBehavior, type ZoomTransform } from 'd3';
import { CORRUPT_STATE, VIEW_BLOCK_STATES, type ViewMessage } from '../../extension/protocol/view-protocol';
import { placeCard } from './card-place';
import { byteHex, count, hex, siteText } from './format';
import { placeLabels, TextMeasure, type Box, type LabelRequest } from './labels';
import { columnRulers, rowTicks, TICK_CLASS, type ColumnRuler, type MapGeometry } from './map-axes';
import { STATE_LABELS, STATE_LETTERS, type Palette } from './palette';
import type { SlabView, Store } from './store';

/** the state a byte past the views' states is drawn as */
const UNKNOWN_STATE = VIEW_BLOCK_STATES.indexOf('unknown');

const UNIT = 8;
const ROW_UNITS = 128;
const SLABS_ACROSS = 8;
const GAP = 48;
const MAX_SCALE = 64;
/** milliseconds of superslab images one frame rebuilds before leaving the rest to the next frames */
const REBUILD_BUDGET_MS = 8;
/** The band the ruler across takes at the top of the map, in pixels. */
const BAND = 20;
/** Room at fit for a superslab's label above it, and around the heap. */
const FIT_TOP = BAND + 22;
const FIT_EDGE = 12;

interface SuperslabImage {
  canvas: HTMLCanvasElement;
  pixels: Uint32Array;
  image: ImageData;
  /** corrupt cells: world coordinates of their first unit */
  corrupt: { x: number; y: number; base: number }[];
  /** blocks drawn into it */
  cells: number;
}

interface CellPlace {
  x: number;
  y: number;
  width: number;
  slab: SlabView;
  slot: number;
  base: number;
}

export class HeapMap {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private readonly svg: D3Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly card: HTMLElement;
  private readonly live: HTMLElement;
  private readonly images = new Map<number, SuperslabImage>();
  private transform: ZoomTransform = zoomIdentity;
  private readonly zoomBehavior: ZoomBehavior<HTMLCanvasElement, unknown>;
  private frameRequested = false;
  /** the stage's size in CSS pixels, kept by resize(): a redraw reads no layout, so a live update never forces one */
  private stageSize = { width: 0, height: 0 };
  private fitted = false;
  private slabRows = 64;
  private slabsDown = 4;
  private superslabsAcross = 1;
  /** whether the view is the fitted one (then a new shape of the stage or heap fits again) */
  private atFit = false;
  private readonly measure: TextMeasure;
  private hoverTimer = 0;
  private hovered: number | null = null;
  /** the pointer over the stage, in stage pixels */
  private pointer: { x: number; y: number } | null = null;
  /** the block the card shows, and whether it follows the pointer (hover) or the selection */
  private carded: { base: number; hover: boolean } | null = null;
  /** milliseconds the last full draw took (images rebuilt and drawn) */
  lastDrawMs = 0;
  frames = 0;

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
    private readonly post: (message: ViewMessage) => void,
    private palette: Palette,
  ) {
    this.element = parent;
    parent.innerHTML = '';
    const stage = document.createElement('div');
    stage.className = 'map-stage';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'map-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'application');
    this.canvas.setAttribute(
      'aria-label',
      "Heap map: every block as a cell. Arrow keys move between blocks, Page Up and Page Down between slabs, plus and minus zoom, Enter shows the slab's header bytes, 0 fits the whole heap.",
    );
    this.context = this.canvas.getContext('2d', { alpha: false })!;
    stage.append(this.canvas);
    this.svg = select(stage).append('svg').attr('class', 'map-overlay').attr('aria-hidden', 'true');
    this.svg.append('g').attr('class', 'labels');
    this.svg.append('g').attr('class', 'marks');
    this.svg.append('rect').attr('class', 'selection-slab').attr('visibility', 'hidden');
    this.svg.append('rect').attr('class', 'selection-block').attr('visibility', 'hidden');
    this.svg.append('rect').attr('class', 'hover-block').attr('visibility', 'hidden');
    // the rulers sit on bands of the background, above the cells that pass under them
    this.svg.append('rect').attr('class', 'axis-band axis-band-x');
    this.svg.append('rect').attr('class', 'axis-band axis-band-y');
    this.svg.append('g').attr('class', 'axes-x');
    this.svg.append('g').attr('class', 'axis axis-y');
    this.svg.append('line').attr('class', 'axis-line axis-line-x');
    this.svg.append('line').attr('class', 'axis-line axis-line-y');
    this.svg.append('text').attr('class', 'axis-caption').attr('x', 4).attr('y', 13).text('bytes');
    this.measure = new TextMeasure(this.svg.node()!);
    this.card = document.createElement('div');
    this.card.className = 'card';
    this.card.hidden = true;
    this.card.setAttribute('role', 'tooltip');
    this.live = document.createElement('div');
    this.live.className = 'visually-hidden';
    this.live.setAttribute('aria-live', 'polite');
    stage.append(this.card, this.live);
    parent.append(this.legend(), stage);

    this.zoomBehavior = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([0.01, MAX_SCALE])
      .filter((event: Event) => event.type !== 'dblclick' && !(event as MouseEvent).button)
      .on('zoom', (event: { transform: ZoomTransform; sourceEvent: Event | null }) => {
        this.transform = event.transform;
        if (event.sourceEvent) this.atFit = false;
        this.request();
      });
    select(this.canvas).call(this.zoomBehavior);
    this.canvas.addEventListener('mousemove', (event) => this.hover(event));
    this.canvas.addEventListener('mouseleave', () => {
      this.hideCard();
      this.hovered = null;
      this.pointer = null;
      this.request();
    });
    this.canvas.addEventListener('click', (event) => this.click(event));
    this.canvas.addEventListener('keydown', (event) => this.key(event));
    new ResizeObserver(() => this.resize()).observe(stage);

    store.on('trace', () => {
      this.images.clear();
      this.fitted = false;
      this.request();
    });
    store.on('heap', () => this.request());
    store.on('selection', () => this.request());
    store.on('block', () => this.showCard());
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    this.measure.forget();
    for (const base of this.store.superslabs) this.store.dirty.add(base);
    this.request();
  }

  private legend(): HTMLElement {
    const legend = document.createElement('ul');
    legend.className = 'legend';
    legend.setAttribute('aria-label', 'Cell states');
    VIEW_BLOCK_STATES.forEach((state, i) => {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = `swatch state-${state}`;
      swatch.style.background = this.palette.css[i]!; // CSSOM: allowed by the page's style-src; a colour per state
      swatch.textContent = STATE_LETTERS[state];
      item.append(swatch, STATE_LABELS[state]);
      legend.append(item);
    });
    return legend;
  }

  // ---- geometry: world units are 8 bytes wide and one slab row (1 KiB) tall per row

  private get superslabWidth(): number {
    return SLABS_ACROSS * ROW_UNITS;
  }
  private get superslabHeight(): number {
    return this.slabsDown * this.slabRows;
  }

  private superslabOrigin(i: number): [number, number] {
    const across = this.superslabsAcross;
    return [(i % across) * (this.superslabWidth + GAP), Math.floor(i / across) * (this.superslabHeight + GAP)];
  }

  private geometry(): void {
    const layout = this.store.trace?.layout;
    if (!layout) return;
    this.slabRows = Math.max(1, layout.slabSize / UNIT / ROW_UNITS);
    this.slabsDown = Math.ceil(layout.slabsPerSuperslab / SLABS_ACROSS);
    // as many superslabs side by side as makes them largest in this stage
    const n = Math.max(1, this.store.superslabs.length);
    const [width, height] = this.fitArea();
    let best = 0;
    for (let across = 1; across <= n; across++) {
      const rows = Math.ceil(n / across);
      const k = Math.min(width / (across * (this.superslabWidth + GAP) - GAP), height / (rows * (this.superslabHeight + GAP) - GAP));
      if (k > best * 1.0001) {
        best = k;
        this.superslabsAcross = across;
      }
    }
  }

  /** The stage's room for the heap at fit: the rulers and a superslab label's line left out. */
  private fitArea(): [number, number] {
    const width = this.canvas.clientWidth || 600,
      height = this.canvas.clientHeight || 400;
    return [Math.max(1, width - this.fitGutter() - 2 * FIT_EDGE), Math.max(1, height - FIT_TOP - FIT_EDGE)];
  }

  /** The left ruler's width at fit: its longest tick there. */
  private fitGutter(): number {
    const n = this.store.superslabs.length;
    const prefix = n > 1 ? `#${n - 1}–${n - 1} ` : '';
    return this.measure.size(`${prefix}slab ${(this.slabsDown - 1) * SLABS_ACROSS} +${this.slabRows / 2}K`, TICK_CLASS).width + 14;
  }

  private mapGeometry(): MapGeometry {
    return {
      unit: UNIT,
      rowUnits: ROW_UNITS,
      slabsAcross: SLABS_ACROSS,
      slabRows: this.slabRows,
      slabsDown: this.slabsDown,
      gap: GAP,
      across: this.superslabsAcross,
      superslabs: this.store.superslabs.length,
    };
  }

  /** Where a block's first unit is, in world units. */
  cellOf(base: number): CellPlace | null {
    const slab = this.store.slabAt(base);
    if (!slab) return null;
    const i = this.store.superslabs.indexOf(slab.superslab);
    if (i < 0) return null;
    const slot = Math.floor((base - slab.slabStart) / slab.stride);
    const unit = (slot * slab.stride) / UNIT;
    const [ox, oy] = this.superslabOrigin(i);
    const x = ox + (slab.index % SLABS_ACROSS) * ROW_UNITS + (unit % ROW_UNITS);
    const y = oy + Math.floor(slab.index / SLABS_ACROSS) * this.slabRows + Math.floor(unit / ROW_UNITS);
    return {
      x,
      y,
      width: Math.max(1, Math.min(slab.stride / UNIT, ROW_UNITS - (unit % ROW_UNITS))),
      slab,
      slot,
      base: slab.slabStart + slot * slab.stride,
    };
  }

  /** The block under a world point, or null. */
  cellAt(wx: number, wy: number): CellPlace | null {
    const across = this.superslabsAcross;
    const col = Math.floor(wx / (this.superslabWidth + GAP)),
      row = Math.floor(wy / (this.superslabHeight + GAP));
    if (col < 0 || row < 0 || col >= across) return null;
    const i = row * across + col;
    const superslab = this.store.superslabs[i];
    if (superslab === undefined || !this.store.trace) return null;
    const [ox, oy] = this.superslabOrigin(i);
    const x = Math.floor(wx - ox),
      y = Math.floor(wy - oy);
    if (x >= this.superslabWidth || y >= this.superslabHeight) return null;
    const index = Math.floor(y / this.slabRows) * SLABS_ACROSS + Math.floor(x / ROW_UNITS);
    const slab = this.store.slabs.get(superslab + index * this.store.trace.layout.slabSize);
    if (!slab) return null;
    const unit = (y % this.slabRows) * ROW_UNITS + (x % ROW_UNITS);
    const slot = Math.floor((unit * UNIT) / slab.stride);
    if (slot >= slab.capacity) return null;
    return this.cellOf(slab.slabStart + slot * slab.stride);
  }

  /** The screen rectangle of a block's first row, relative to the map stage (for tests and the card). */
  screenRect(base: number): DOMRect | null {
    const cell = this.cellOf(base);
    if (!cell) return null;
    const [x, y] = this.transform.apply([cell.x, cell.y]);
    return new DOMRect(x, y, cell.width * this.transform.k, this.transform.k);
  }

  /** The screen box of a whole block (all the rows it spans), relative to the map stage. */
  blockBox(base: number): Box | null {
    const cell = this.cellOf(base);
    if (!cell) return null;
    const units = cell.slab.stride / UNIT;
    const first = (cell.slot * cell.slab.stride) / UNIT;
    const rows = Math.floor((first + units - 1) / ROW_UNITS) - Math.floor(first / ROW_UNITS) + 1;
    const left = rows > 1 ? cell.x - (first % ROW_UNITS) : cell.x;
    const [x, y] = this.transform.apply([left, cell.y]);
    const k = this.transform.k;
    return { x, y, width: (rows > 1 ? ROW_UNITS : cell.width) * k, height: rows * k };
  }

  // ---- images ---------------------------------------------------------------

  private rebuild(base: number): SuperslabImage {
    let image = this.images.get(base);
    const width = this.superslabWidth,
      height = this.superslabHeight;
    if (!image || image.canvas.width !== width || image.canvas.height !== height) {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const data = new ImageData(width, height);
      image = { canvas, image: data, pixels: new Uint32Array(data.data.buffer), corrupt: [], cells: 0 };
      this.images.set(base, image);
    }
    const { pixels } = image;
    const palette = this.palette;
    const layout = this.store.trace!.layout;
    const slabSize = layout.slabSize;
    const rows = this.slabRows;
    pixels.fill(palette.absent);
    image.corrupt = [];
    image.cells = 0;
    for (let index = 0; index < layout.slabsPerSuperslab; index++) {
      const tx = (index % SLABS_ACROSS) * ROW_UNITS,
        ty = Math.floor(index / SLABS_ACROSS) * rows;
      const slab = this.store.slabs.get(base + index * slabSize);
      if (!slab) {
        if (index < layout.firstBlockSlab) fillTile(pixels, width, tx, ty, rows, palette.metadata);
        continue;
      }
      fillTile(pixels, width, tx, ty, rows, palette.tail);
      const unitsPerBlock = slab.stride / UNIT;
      const states = slab.states;
      image.cells += slab.capacity;
      for (let slot = 0; slot < slab.capacity; slot++) {
        // the store kept only states of the slab's capacity; a byte past the states the views know is drawn unknown
        const state = states[slot]!;
        const colour = palette.pixel[state] ?? palette.pixel[UNKNOWN_STATE]!;
        const first = slot * unitsPerBlock;
        for (let unit = first, end = first + unitsPerBlock; unit < end; unit++) {
          pixels[(ty + ((unit / ROW_UNITS) | 0)) * width + tx + (unit % ROW_UNITS)] = colour;
        }
        if (state === CORRUPT_STATE)
          image.corrupt.push({
            x: tx + (first % ROW_UNITS),
            y: ty + Math.floor(first / ROW_UNITS),
            base: slab.slabStart + slot * slab.stride,
          });
      }
    }
    image.canvas.getContext('2d')!.putImageData(image.image, 0, 0);
    return image;
  }

  // ---- drawing --------------------------------------------------------------

  request(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.draw();
    });
  }

  private resize(): void {
    const stage = this.canvas.parentElement!;
    const ratio = window.devicePixelRatio || 1;
    this.stageSize = { width: stage.clientWidth, height: stage.clientHeight };
    this.canvas.width = Math.max(1, Math.floor(stage.clientWidth * ratio));
    this.canvas.height = Math.max(1, Math.floor(stage.clientHeight * ratio));
    this.canvas.style.width = `${stage.clientWidth}px`;
    this.canvas.style.height = `${stage.clientHeight}px`;
    this.svg.attr('width', stage.clientWidth).attr('height', stage.clientHeight);
    if (this.atFit) this.fitted = false;
    this.request();
  }

  /** Scales and centres the whole heap into the stage. */
  fit(): void {
    this.geometry();
    const n = Math.max(1, this.store.superslabs.length);
    const rows = Math.ceil(n / this.superslabsAcross);
    const worldWidth = this.superslabsAcross * (this.superslabWidth + GAP) - GAP;
    const worldHeight = rows * (this.superslabHeight + GAP) - GAP;
    const [width, height] = this.fitArea();
    const k = Math.min(width / worldWidth, height / worldHeight);
    const left = this.fitGutter() + FIT_EDGE + (width - worldWidth * k) / 2,
      top = FIT_TOP + (height - worldHeight * k) / 2;
    select(this.canvas).call(this.zoomBehavior.transform, zoomIdentity.translate(left, top).scale(k));
    this.atFit = true;
    this.across = this.superslabsAcross;
  }
  /** superslabs side by side at the last fit */
  private across = 0;

  /** Zooms onto a block so that it is some 24 pixels wide. */
  focus(base: number): void {
    const cell = this.cellOf(base);
    if (!cell) return;
    const k = Math.min(MAX_SCALE, Math.max(this.transform.k, 24 / cell.width));
    const width = this.canvas.clientWidth,
      height = this.canvas.clientHeight;
    const transform = zoomIdentity.translate(width / 2 - (cell.x + cell.width / 2) * k, height / 2 - (cell.y + 0.5) * k).scale(k);
    select(this.canvas).call(this.zoomBehavior.transform, transform);
    this.atFit = false;
  }

  draw(): void {
    const trace = this.store.trace;
    if (!trace || !this.stageSize.width) return;
    const started = performance.now();
    this.geometry();
    // a heap that grew into another shape, seen whole, is fitted again
    if (this.atFit && this.superslabsAcross !== this.across) this.fitted = false;
    if (!this.fitted && this.store.superslabs.length) {
      this.fitted = true;
      this.fit();
    }
    let cells = 0;
    // once this frame has spent REBUILD_BUDGET_MS, a superslab already drawn at this size keeps its last image
    // until a later frame: an update that touched many superslabs redraws them over a few frames, not in one long one
    for (const base of this.store.dirty) {
      if (this.store.superslabs.includes(base)) {
        const drawn = this.images.get(base)?.canvas;
        const current = drawn?.width === this.superslabWidth && drawn.height === this.superslabHeight;
        if (current && cells && performance.now() - started >= REBUILD_BUDGET_MS) continue;
        cells += this.rebuild(base).cells;
      }
      this.store.dirty.delete(base);
    }
    if (this.store.dirty.size) this.request();
    for (const base of this.images.keys()) if (!this.store.superslabs.includes(base)) this.images.delete(base);

    const context = this.context;
    const ratio = window.devicePixelRatio || 1;
    const { k, x, y } = this.transform;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = this.palette.background;
    context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    context.imageSmoothingEnabled = false;
    context.setTransform(k * ratio, 0, 0, k * ratio, x * ratio, y * ratio);
    const view = this.visibleWorld();
    this.store.superslabs.forEach((base, i) => {
      const image = this.images.get(base) ?? this.rebuild(base);
      const [ox, oy] = this.superslabOrigin(i);
      if (ox > view.x1 || oy > view.y1 || ox + this.superslabWidth < view.x0 || oy + this.superslabHeight < view.y0) return;
      context.drawImage(image.canvas, ox, oy);
    });
    if (k >= 4) this.drawCells(view);
    this.drawOverlay(view);
    this.lastDrawMs = performance.now() - started;
    this.frames++;
    // what the last frame cost, for the benchmark and for anyone profiling the views
    this.canvas.dataset.drawMs = this.lastDrawMs.toFixed(3);
    this.canvas.dataset.frames = String(this.frames);
    if (cells) {
      // the last frame that redrew cells: what a heap update costs
      this.canvas.dataset.cellsDrawMs = this.lastDrawMs.toFixed(3);
      this.canvas.dataset.cellsRebuilt = String(cells);
    }
  }

  private visibleWorld(): { x0: number; y0: number; x1: number; y1: number } {
    const [x0, y0] = this.transform.invert([0, 0]);
    const [x1, y1] = this.transform.invert([this.stageSize.width, this.stageSize.height]);
    return { x0, y0, x1, y1 };
  }

  /** Close up: block separators, a letter per state, a cross over corrupt blocks. */
  private drawCells(view: { x0: number; y0: number; x1: number; y1: number }): void {
    const context = this.context;
    const k = this.transform.k;
    const layout = this.store.trace!.layout;
    context.lineWidth = 1 / k;
    context.strokeStyle = this.palette.grid;
    context.fillStyle = this.palette.text;
    context.textAlign = 'center';
    context.textBaseline = 'middle';
    const letters = k >= 12;
    if (letters) context.font = `${Math.min(0.7, 10 / k)}px sans-serif`;
    let drawn = 0;
    this.store.superslabs.forEach((base, i) => {
      const [ox, oy] = this.superslabOrigin(i);
      for (let index = 0; index < layout.slabsPerSuperslab && drawn < 40000; index++) {
        const slab = this.store.slabs.get(base + index * layout.slabSize);
        if (!slab) continue;
        const tx = ox + (index % SLABS_ACROSS) * ROW_UNITS,
          ty = oy + Math.floor(index / SLABS_ACROSS) * this.slabRows;
        if (tx > view.x1 || ty > view.y1 || tx + ROW_UNITS < view.x0 || ty + this.slabRows < view.y0) continue;
        const unitsPerBlock = slab.stride / UNIT;
        const firstRow = Math.max(0, Math.floor(view.y0 - ty)),
          lastRow = Math.min(this.slabRows - 1, Math.ceil(view.y1 - ty));
        const firstSlot = Math.floor((firstRow * ROW_UNITS) / unitsPerBlock);
        const lastSlot = Math.min(slab.capacity - 1, Math.ceil(((lastRow + 1) * ROW_UNITS) / unitsPerBlock));
        for (let slot = firstSlot; slot <= lastSlot && drawn < 40000; slot++, drawn++) {
          const unit = slot * unitsPerBlock;
          const cx = tx + (unit % ROW_UNITS),
            cy = ty + Math.floor(unit / ROW_UNITS);
          context.strokeRect(cx, cy, Math.min(unitsPerBlock, ROW_UNITS - (unit % ROW_UNITS)), 1);
          const state = slab.states[slot]!;
          if (state === CORRUPT_STATE) {
            context.save();
            context.strokeStyle = this.palette.error;
            context.lineWidth = 2 / k;
            context.beginPath();
            context.moveTo(cx, cy);
            context.lineTo(cx + 1, cy + 1);
            context.moveTo(cx + 1, cy);
            context.lineTo(cx, cy + 1);
            context.stroke();
            context.restore();
          } else if (letters) context.fillText(STATE_LETTERS[VIEW_BLOCK_STATES[state] ?? 'unknown'], cx + 0.5, cy + 0.5);
        }
      }
    });
  }

  private drawOverlay(view: { x0: number; y0: number; x1: number; y1: number }): void {
    const t = this.transform;
    const { width, height } = this.stageSize;
    const geometry = this.mapGeometry();
    const screen = { k: t.k, x: t.x, y: t.y, width, height };

    // the ruler down first: its longest tick sets the gutter the ruler across starts after
    const rows = rowTicks(geometry, screen, BAND, this.measure);
    const gutter = Math.ceil(Math.max(40, ...rows.map((tick) => this.measure.size(tick.text, TICK_CLASS).width + 14)));
    const rulers = columnRulers(geometry, screen, gutter, this.measure);
    this.svg.select('.axis-band-x').attr('x', 0).attr('y', 0).attr('width', width).attr('height', BAND);
    this.svg.select('.axis-band-y').attr('x', 0).attr('y', 0).attr('width', gutter).attr('height', height);
    this.svg.select('.axis-line-x').attr('x1', gutter).attr('x2', width).attr('y1', BAND).attr('y2', BAND);
    this.svg.select('.axis-line-y').attr('x1', gutter).attr('x2', gutter).attr('y1', BAND).attr('y2', height);
    // one ruler per column, ticks keyed by their text, drawn as d3's axes draw them (a d3 axis each cost 2 ms a frame)
    this.svg
      .select('.axes-x')
      .selectAll<SVGGElement, ColumnRuler>('g.axis-x')
      .data(rulers, (d) => d.key)
      .join((enter) => enter.append('g').attr('class', 'axis axis-x').attr('transform', `translate(0,${BAND})`))
      .attr('data-column', (d) => d.key)
      .attr('data-unit', (d) => d.unit)
      .selectAll<SVGGElement, { at: number; text: string }>('g.tick')
      .data(
        (ruler) =>
          ruler.ticks.map((value, i) => ({ at: ruler.start + (value / ruler.domain) * (ruler.end - ruler.start), text: ruler.texts[i]! })),
        (d) => d.text,
      ) // a text per tick
      .join((enter) => {
        const tick = enter.append('g').attr('class', 'tick');
        tick.append('line').attr('y2', -6);
        tick
          .append('text')
          .attr('class', TICK_CLASS)
          .attr('y', -9)
          .attr('text-anchor', 'middle')
          .text((d) => d.text);
        return tick;
      })
      .attr('transform', (d) => `translate(${d.at},0)`);
    this.svg
      .select<SVGGElement>('.axis-y')
      .attr('transform', `translate(${gutter},0)`)
      .selectAll<SVGGElement, { at: number; text: string }>('g.tick')
      .data(rows, (d) => d.text)
      .join((enter) => {
        const tick = enter.append('g').attr('class', 'tick');
        tick.append('line').attr('x2', -6);
        tick
          .append('text')
          .attr('class', TICK_CLASS)
          .attr('x', -9)
          .attr('dy', '0.32em')
          .attr('text-anchor', 'end')
          .text((d) => d.text);
        return tick;
      })
      .attr('transform', (d) => `translate(0,${d.at})`);
    const caption = rulers[0]?.unit === 'slabs' ? 'slab +' : 'bytes';
    this.svg
      .select('.axis-caption')
      .text(caption)
      .attr('visibility', this.measure.size(caption, 'axis-caption').width + 6 <= gutter ? 'visible' : 'hidden');

    // labels: superslabs first, then bound slabs, then the rest; each shortened or left out where it would meet another
    const area: Box = { x: gutter + 1, y: BAND + 1, width: Math.max(0, width - gutter - 1), height: Math.max(0, height - BAND - 1) };
    const first: LabelRequest[] = [],
      bound: LabelRequest[] = [],
      rest: LabelRequest[] = [];
    const layout = this.store.trace!.layout;
    const ssWidth = this.superslabWidth * t.k,
      ssHeight = this.superslabHeight * t.k,
      gap = GAP * t.k;
    const tileWidth = ROW_UNITS * t.k,
      tileHeight = this.slabRows * t.k;
    const left = (x: number, size: { width: number }, right: number) => Math.min(Math.max(x, area.x + 3), right - size.width - 3);
    this.store.superslabs.forEach((base, i) => {
      const [ox, oy] = this.superslabOrigin(i);
      const [sx, sy] = t.apply([ox, oy]);
      const within = clip({ x: sx, y: sy - gap, width: ssWidth, height: ssHeight + gap }, area);
      if (!within) return;
      const name = `#${i}`;
      first.push({
        id: `ss:${base}`,
        cls: 'label-superslab',
        within,
        texts: [`${name} superslab ${hex(base)}`, `${name} ${hex(base)}`, name],
        title: `superslab ${name} ${hex(base)}`,
        places: (size) => {
          const x = left(sx + 2, size, sx + ssWidth);
          return [
            { x, y: sy - size.descent - 2 },
            { x, y: Math.max(sy, area.y) + size.ascent + 2 },
          ];
        },
      });
      if (tileHeight < 12 || tileWidth < 12) return;
      for (let index = 0; index < layout.slabsPerSuperslab; index++) {
        const [tx, ty] = t.apply([ox + (index % SLABS_ACROSS) * ROW_UNITS, oy + Math.floor(index / SLABS_ACROSS) * this.slabRows]);
        const tile = clip({ x: tx + 1, y: ty + 1, width: tileWidth - 2, height: tileHeight - 2 }, area);
        if (!tile) continue;
        const slab = this.store.slabs.get(base + index * layout.slabSize);
        const texts = slab
          ? slabTexts(index, slab)
          : index < layout.firstBlockSlab
            ? [`slab ${index} · metadata`, `slab ${index}`, `${index}`]
            : [`slab ${index} · unbound`, `slab ${index}`, `${index}`];
        (slab ? bound : rest).push({
          id: `slab:${base + index * layout.slabSize}`,
          cls: 'label-slab',
          within: tile,
          texts,
          title: `${texts[0]} · superslab ${name} ${hex(base)}`,
          places: (size) => {
            // at the tile's top, or the lines below where a superslab's label holds it
            const x = left(tx + 3, size, tile.x + tile.width),
              y = tile.y + size.ascent + 2,
              line = size.ascent + size.descent + 3;
            return [
              { x, y },
              { x, y: y + line },
              { x, y: y + 2 * line },
            ];
          },
        });
      }
    });
    const taken: Box[] = [
      { x: 0, y: 0, width, height: BAND },
      { x: 0, y: 0, width: gutter, height },
    ];
    const placed = placeLabels([...first, ...bound, ...rest], this.measure, taken);
    this.svg
      .select('.labels')
      .selectAll<SVGTextElement, (typeof placed)[number]>('text')
      .data(placed, (d) => d.id)
      .join((enter) =>
        enter
          .append('text')
          .call((text) => text.append('tspan'))
          .call((text) => text.append('title')),
      )
      .attr('class', (d) => d.cls)
      .attr('x', (d) => d.x)
      .attr('y', (d) => d.y)
      .each(function (d) {
        // text only where it changed: a new text node costs a layout
        const [shown, title] = [this.firstChild!, this.lastChild!];
        if (shown.textContent !== d.text) shown.textContent = d.text;
        if (title.textContent !== d.title) title.textContent = d.title;
      });
    this.canvas.dataset.superslabs = String(this.store.superslabs.length);
    this.drawHover();
    this.placeCard();

    // corrupt blocks: a mark at any zoom, so they are never lost in the colours
    const marks: { x: number; y: number; base: number }[] = [];
    for (const image of this.images.values())
      for (const cell of image.corrupt) {
        const i = this.store.superslabs.indexOf(this.store.slabAt(cell.base)?.superslab ?? -1);
        if (i < 0) continue;
        const [ox, oy] = this.superslabOrigin(i);
        const [sx, sy] = t.apply([ox + cell.x, oy + cell.y]);
        if (sx >= -10 && sy >= -10 && sx <= width + 10 && sy <= height + 10 && marks.length < 2000)
          marks.push({ x: sx, y: sy, base: cell.base });
      }
    this.svg
      .select('.marks')
      .selectAll('path')
      .data(marks)
      .join('path')
      .attr('class', 'corrupt-mark')
      .attr('d', (d) => `M${d.x + t.k / 2},${d.y - 2} l-6,-10 h12 z`);

    // selection: the chosen slab and block
    const selection = this.store.selection;
    const blockRect = selection.block !== null ? this.screenRect(selection.block) : null;
    this.svg
      .select('.selection-block')
      .attr('visibility', blockRect ? 'visible' : 'hidden')
      .attr('x', blockRect ? blockRect.x - 2 : 0)
      .attr('y', blockRect ? blockRect.y - 2 : 0)
      .attr('width', blockRect ? Math.max(4, blockRect.width) + 4 : 0)
      .attr('height', blockRect ? Math.max(4, blockRect.height) + 4 : 0);
    const slab = selection.slab !== null ? this.store.slabs.get(selection.slab) : undefined;
    const i = slab ? this.store.superslabs.indexOf(slab.superslab) : -1;
    if (slab && i >= 0) {
      const [ox, oy] = this.superslabOrigin(i);
      const [sx, sy] = t.apply([ox + (slab.index % SLABS_ACROSS) * ROW_UNITS, oy + Math.floor(slab.index / SLABS_ACROSS) * this.slabRows]);
      this.svg
        .select('.selection-slab')
        .attr('visibility', 'visible')
        .attr('x', sx)
        .attr('y', sy)
        .attr('width', ROW_UNITS * t.k)
        .attr('height', this.slabRows * t.k);
    } else this.svg.select('.selection-slab').attr('visibility', 'hidden');
  }

  // ---- interaction ----------------------------------------------------------

  private worldOf(event: MouseEvent): [number, number] {
    const box = this.canvas.getBoundingClientRect();
    return this.transform.invert([event.clientX - box.left, event.clientY - box.top]);
  }

  private hover(event: MouseEvent): void {
    const [wx, wy] = this.worldOf(event);
    const cell = this.cellAt(wx, wy);
    const box = this.canvas.getBoundingClientRect();
    this.pointer = { x: event.clientX - box.left, y: event.clientY - box.top };
    if (!cell) {
      if (this.carded?.hover) this.hideCard();
      if (this.hovered !== null) {
        this.hovered = null;
        this.drawHover();
      }
      return;
    }
    if (this.carded?.hover && this.carded.base === cell.base) this.placeCard();
    if (cell.base === this.hovered) return;
    this.hovered = cell.base;
    this.drawHover();
    clearTimeout(this.hoverTimer);
    this.hoverTimer = window.setTimeout(() => this.post({ type: 'block', address: cell.base }), 40);
  }

  /** The outline of the block under the pointer: the block the card is about. */
  private drawHover(): void {
    const box = this.hovered !== null ? this.blockBox(this.hovered) : null;
    this.svg
      .select('.hover-block')
      .attr('visibility', box ? 'visible' : 'hidden')
      .attr('data-base', this.hovered !== null ? hex(this.hovered) : null)
      .attr('x', box ? box.x : 0)
      .attr('y', box ? box.y : 0)
      .attr('width', box ? Math.max(1, box.width) : 0)
      .attr('height', box ? Math.max(1, box.height) : 0);
  }

  private hideCard(): void {
    this.card.hidden = true;
    this.carded = null;
  }

  /** Puts the card beside the pointer (or beside the chosen block) and off the block's box. */
  private placeCard(): void {
    if (!this.carded || this.card.hidden) return;
    const width = this.canvas.clientWidth,
      height = this.canvas.clientHeight;
    const box = this.blockBox(this.carded.base);
    if (!box) return;
    const onScreen = clip(box, { x: 0, y: 0, width, height }) ?? box;
    const pointer =
      this.carded.hover && this.pointer ? this.pointer : { x: onScreen.x + onScreen.width / 2, y: onScreen.y + onScreen.height / 2 };
    const at = placeCard({ width: this.card.offsetWidth, height: this.card.offsetHeight }, pointer, onScreen, { width, height });
    this.card.style.left = `${Math.round(at.x)}px`;
    this.card.style.top = `${Math.round(at.y)}px`;
  }

  private click(event: MouseEvent): void {
    const [wx, wy] = this.worldOf(event);
    const cell = this.cellAt(wx, wy);
    if (!cell) return;
    this.choose(cell.base, cell.slab);
  }

  /** Selects a block: the card, the header bytes of its slab, the freelists of its owner and class. */
  choose(base: number, slab = this.store.slabAt(base)): void {
    if (!slab) return;
    this.hovered = null;
    this.store.select({ block: base, slab: slab.slabStart, cls: slab.cls, thread: this.store.selection.thread ?? slab.owner });
    this.post({ type: 'block', address: base });
    this.post({ type: 'selectSlab', slabStart: slab.slabStart });
  }

  private key(event: KeyboardEvent): void {
    const selected = this.store.selection.block;
    const slab = selected !== null ? this.store.slabAt(selected) : null;
    const move = (slot: number, target = slab) => {
      if (!target) return;
      const clamped = Math.max(0, Math.min(target.capacity - 1, slot));
      const base = target.slabStart + clamped * target.stride;
      this.choose(base, target);
      const rect = this.screenRect(base);
      if (!rect || rect.x < 0 || rect.y < 0 || rect.x > this.canvas.clientWidth || rect.y > this.canvas.clientHeight) this.focus(base);
    };
    const slabs = [...this.store.slabs.values()].sort((a, b) => a.slabStart - b.slabStart);
    const slot = slab && selected !== null ? Math.floor((selected - slab.slabStart) / slab.stride) : 0;
    const perRow = slab ? Math.max(1, Math.floor((ROW_UNITS * UNIT) / slab.stride)) : 1;
    switch (event.key) {
      case 'ArrowRight':
        if (!slab && slabs[0]) move(0, slabs[0]);
        else move(slot + 1);
        break;
      case 'ArrowLeft':
        move(slot - 1);
        break;
      case 'ArrowDown':
        move(slot + perRow);
        break;
      case 'ArrowUp':
        move(slot - perRow);
        break;
      case 'PageDown':
      case 'PageUp': {
        const at = slab ? slabs.indexOf(slab) : -1;
        const next = slabs[Math.max(0, Math.min(slabs.length - 1, at + (event.key === 'PageDown' ? 1 : -1)))];
        if (next) move(0, next);
        break;
      }
      case '+':
      case '=':
        select(this.canvas).call(this.zoomBehavior.scaleBy, 2);
        break;
      case '-':
        select(this.canvas).call(this.zoomBehavior.scaleBy, 0.5);
        break;
      case '0':
        this.fit();
        break;
      case 'Enter':
        if (selected !== null) this.focus(selected);
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  private showCard(): void {
    const message = this.store.block;
    if (!message) return;
    const block = message.block;
    const chosen = this.store.selection.block;
    const forHover = this.hovered !== null && message.address === this.hovered;
    const forSelection = chosen !== null && message.address === chosen;
    if (!forHover && !forSelection) return;
    if (!block) {
      this.hideCard();
      return;
    }
    const mismatch = block.headerActual >= 0 && block.headerActual !== block.headerExpected;
    const slab = this.store.slabAt(block.base);
    const superslab = slab ? this.store.superslabs.indexOf(slab.superslab) : -1;
    const rows: [string, string][] = [
      ['USER', hex(block.user)],
      ['BASE', hex(block.base)],
      ['class', `C${block.cls} (slot ${block.slot})`],
      ...(slab
        ? [
            [
              'slab',
              `${slab.index} of superslab #${superslab} ${hex(slab.superslab)} · ${slab.used}/${slab.capacity} used · thread ${slab.owner}`,
            ] as [string, string],
          ]
        : []),
      ['state', block.state],
      ['thread', String(block.thread)],
      ['header', `${byteHex(block.headerActual)} (expected ${byteHex(block.headerExpected)})${mismatch ? ' ✕ mismatch' : ''}`],
      ['next', `${hex(block.next)} at +${block.nextOffset}`],
    ];
    const history = block.history
      .map(
        (entry) =>
          `<li>${entry.what} by thread ${entry.thread} at event ${count(entry.event)} — <span class="site">${siteText(entry.site)}</span></li>`,
      )
      .join('');
    this.card.innerHTML =
      `<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd data-field="${k}"${k === 'header' && mismatch ? ' class="mismatch"' : ''}>${escapeHtml(v)}</dd>`).join('')}</dl>` +
      (history
        ? `<ul class="history" aria-label="Last events on the block">${history}</ul>`
        : '<p class="history">no alloc or free of this block seen</p>');
    this.card.hidden = false;
    this.carded = { base: block.base, hover: forHover };
    this.placeCard();
    if (forSelection && !forHover) {
      this.live.textContent = `C${block.cls} block ${hex(block.user)}, ${block.state}, header ${byteHex(block.headerActual)}`;
    }
  }
}

/** A bound slab's label, from all it says to its index alone. */
function slabTexts(index: number, slab: SlabView): string[] {
  const usage = `${slab.used}/${slab.capacity}`;
  return [
    `slab ${index} · C${slab.cls} · ${usage} used · thread ${slab.owner}`,
    `slab ${index} · C${slab.cls} · ${usage}`,
    `${index} · C${slab.cls} ${usage}`,
    `${index} · C${slab.cls}`,
    `${index}`,
  ];
}

/** The part of a box inside another, or null. */
function clip(box: Box, bounds: Box): Box | null {
  const x = Math.max(box.x, bounds.x),
    y = Math.max(box.y, bounds.y);
  const width = Math.min(box.x + box.width, bounds.x + bounds.width) - x,
    height = Math.min(box.y + box.height, bounds.y + bounds.height) - y;
  return width > 0 && height > 0 ? { x, y, width, height } : null;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fillTile(pixels: Uint32Array, width: number, tx: number, ty: number, rows: number, colour: number): void {
  for (let row = 0; row < rows; row++) pixels.fill(colour, (ty + row) * width + tx, (ty + row) * width + tx + ROW_UNITS);
}
