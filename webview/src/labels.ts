// labels.ts — placing text so that no two labels overlap. d3 has no label
// placement: each label brings its texts from longest to shortest and the
// places it may sit; the most important go first, and a label takes the first
// text and place whose box is free, or is left out (its full text stays in its
// title).

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

export function inside(inner: Box, outer: Box): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}

/** A text's extent in a label's font: its width, and above and below the baseline. */
export interface TextSize {
  width: number;
  ascent: number;
  descent: number;
}

/** Measures texts in the fonts the page gives each label class, without touching the layout. */
export class TextMeasure {
  private readonly context = document.createElement('canvas').getContext('2d')!;
  private readonly fonts = new Map<string, string>();
  private readonly sizes = new Map<string, TextSize>();

  constructor(private readonly host: SVGSVGElement) {}

  /** Fonts come from the style sheet: a probe of each class, read once (again after forget()). */
  private font(cls: string): string {
    let font = this.fonts.get(cls);
    if (font === undefined) {
      const probe = document.createElementNS('http://www.w3.org/2000/svg', 'text');
      probe.setAttribute('class', cls);
      this.host.append(probe);
      const style = getComputedStyle(probe);
      font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      probe.remove();
      this.fonts.set(cls, font);
    }
    return font;
  }

  size(text: string, cls: string): TextSize {
    const key = `${cls}\u0000${text}`;
    let size = this.sizes.get(key);
    if (!size) {
      this.context.font = this.font(cls);
      const metrics = this.context.measureText(text);
      size = { width: metrics.width, ascent: metrics.fontBoundingBoxAscent, descent: metrics.fontBoundingBoxDescent };
      if (this.sizes.size > 20000) this.sizes.clear();
      this.sizes.set(key, size);
    }
    return size;
  }

  forget(): void {
    this.fonts.clear();
    this.sizes.clear();
  }
}

export interface LabelRequest {
  id: string;
  cls: string;
  /** texts to try, longest (fullest) first */
  texts: string[];
  /** the full text, kept as the label's title whatever is shown */
  title: string;
  /** where a text of this size may sit (its baseline's start), in order of preference */
  places: (size: TextSize) => { x: number; y: number }[];
  /** the box the label must stay inside (its tile, the map's area) */
  within: Box;
}

export interface PlacedLabel {
  id: string;
  cls: string;
  text: string;
  title: string;
  x: number;
  y: number;
  box: Box;
}

/** Room kept around each label, in pixels: texts are drawn with a halo. */
const HALO = 2;

/**
 * Places labels in the order given (most important first) around boxes already
 * taken (axes, other marks): each gets its first text and place that fits
 * `within` and meets no box placed before it, or is dropped.
 */
export function placeLabels(requests: LabelRequest[], measure: TextMeasure, taken: Box[] = []): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  const boxes = new BoxGrid();
  for (const box of taken) boxes.add(box);
  for (const request of requests) {
    found: for (const text of request.texts) {
      const size = measure.size(text, request.cls);
      if (size.width + 2 * HALO > request.within.width || size.ascent + size.descent + 2 * HALO > request.within.height) continue;
      for (const { x, y } of request.places(size)) {
        const box = { x: x - HALO, y: y - size.ascent - HALO, width: size.width + 2 * HALO, height: size.ascent + size.descent + 2 * HALO };
        if (!inside(box, request.within) || boxes.meets(box)) continue;
        placed.push({ id: request.id, cls: request.cls, text, title: request.title, x, y, box });
        boxes.add(box);
        break found;
      }
    }
  }
  return placed;
}

/** Boxes filed by the 64-pixel squares they cover, so a test meets only its neighbours. */
class BoxGrid {
  private readonly cells = new Map<number, Box[]>();

  private *keys(box: Box): Generator<number> {
    const x0 = Math.floor(box.x / 64),
      x1 = Math.floor((box.x + box.width) / 64);
    const y0 = Math.floor(box.y / 64),
      y1 = Math.floor((box.y + box.height) / 64);
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) yield (y + 4096) * 8192 + x + 4096;
  }

  add(box: Box): void {
    for (const key of this.keys(box)) {
      const list = this.cells.get(key);
      if (list) list.push(box);
      else this.cells.set(key, [box]);
    }
  }

  meets(box: Box): boolean {
    for (const key of this.keys(box)) for (const other of this.cells.get(key) ?? []) if (intersects(box, other)) return true;
    return false;
  }
}
