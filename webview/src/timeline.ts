// timeline.ts — event density over time, with findings and lost-event gaps
// marked; a brush on the overview picks the window shown above it; the cursor
// scrubs the whole model to any event; play, pause and single steps.

import { area, axisBottom, brushX, scaleLinear, select, type BrushBehavior, type ScaleLinear } from 'd3';
import { count } from './format';
import type { Store } from './store';

const BINS = 240;

export interface TimelineActions {
  seek(event: number): void;
  chooseFinding(id: number): void;
}

export class Timeline {
  private readonly svg;
  private readonly overview;
  private readonly positionText: HTMLElement;
  private readonly playButton: HTMLButtonElement;
  private x: ScaleLinear<number, number> = scaleLinear();
  private overviewX: ScaleLinear<number, number> = scaleLinear();
  private window: [number, number] | null = null;
  private brush: BrushBehavior<unknown> | null = null;
  private playing = 0;
  private dragging = false;
  /** the charts' sizes, kept by a ResizeObserver: drawing reads no layout, so an update never forces one */
  private size = { width: 600, height: 90, overviewWidth: 600, overviewHeight: 26 };
  /** the overview size the brush was laid out for */
  private brushSize = '';

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
    private readonly actions: TimelineActions,
  ) {
    parent.innerHTML = `
      <div class="timeline-controls" role="toolbar" aria-label="Replay">
        <button type="button" data-step="-1000" title="Back 1000 events (Shift+Left)" aria-label="Back 1000 events">−1000</button>
        <button type="button" data-step="-1" title="Back one event (Left)" aria-label="Step back one event">◀ 1</button>
        <button type="button" class="play" title="Play or pause (Space)" aria-label="Play">▶ Play</button>
        <button type="button" data-step="1" title="Forward one event (Right)" aria-label="Step forward one event">1 ▶</button>
        <button type="button" data-step="1000" title="Forward 1000 events (Shift+Right)" aria-label="Forward 1000 events">+1000</button>
        <label>event <input type="number" class="goto" min="0" step="1" aria-label="Go to event"></label>
        <span class="position" aria-live="off"></span>
        <span class="live-badge" hidden>● live</span>
      </div>`;
    this.positionText = parent.querySelector('.position')!;
    this.playButton = parent.querySelector('.play')!;
    const svg = select(parent)
      .append('svg')
      .attr('class', 'timeline-chart')
      .attr('tabindex', 0)
      .attr('role', 'slider')
      .attr(
        'aria-label',
        "Timeline: the model's position. Left and Right step one event, with Shift 1000, Home and End go to either end, Space plays.",
      );
    svg
      .append('defs')
      .html(
        '<pattern id="lost-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="lost-bg"/><line x1="0" y1="0" x2="0" y2="6" class="lost-line"/></pattern>',
      );
    svg.append('path').attr('class', 'density');
    svg.append('g').attr('class', 'axis');
    svg.append('g').attr('class', 'lost');
    svg.append('g').attr('class', 'finding-marks');
    svg.append('line').attr('class', 'cursor');
    this.svg = svg;
    this.overview = select(parent)
      .append('svg')
      .attr('class', 'timeline-overview')
      .attr('aria-label', 'Overview: drag to choose the window shown above');
    this.overview.append('path').attr('class', 'density');
    this.overview.append('g').attr('class', 'brush');

    parent
      .querySelectorAll<HTMLButtonElement>('button[data-step]')
      .forEach((button) => button.addEventListener('click', () => this.step(Number(button.dataset.step))));
    this.playButton.addEventListener('click', () => this.togglePlay());
    const goto = parent.querySelector<HTMLInputElement>('.goto')!;
    goto.addEventListener('change', () => {
      if (goto.value !== '') this.actions.seek(Number(goto.value));
    });
    const node = svg.node()!;
    node.addEventListener('keydown', (event) => this.key(event));
    node.addEventListener('pointerdown', (event) => {
      this.dragging = true;
      node.setPointerCapture(event.pointerId);
      this.scrubTo(event);
    });
    node.addEventListener('pointermove', (event) => {
      if (this.dragging) this.scrubTo(event);
    });
    node.addEventListener('pointerup', () => {
      this.dragging = false;
    });
    new ResizeObserver(() => {
      const chart = svg.node()!,
        overview = this.overview.node()!;
      this.size = {
        width: chart.clientWidth || 600,
        height: chart.clientHeight || 90,
        overviewWidth: overview.clientWidth || 600,
        overviewHeight: overview.clientHeight || 26,
      };
      this.draw();
    }).observe(parent);
    store.on('timeline', () => this.draw());
    store.on('heap', () => this.drawCursor());
    store.on('status', () => this.drawCursor());
  }

  get eventCount(): number {
    const total = this.store.timeline?.eventCount ?? this.store.trace?.eventCount ?? 0;
    // a live host resends its timeline less often than the heap: the position may be newer
    return this.store.trace?.live ? Math.max(total, this.store.position) : total;
  }

  private get scrubbable(): boolean {
    return !(this.store.trace?.live ?? false);
  }

  /** ns since the first event at event index `event`, from the time samples (linear between them). */
  timeOf(event: number): number {
    const times = this.store.timeline?.times ?? [];
    if (!times.length) return event;
    // lo, hi and mid stay inside the samples, which are not empty
    let lo = 0,
      hi = times.length - 1;
    if (event <= times[0]![0]) return times[0]![1];
    if (event >= times[hi]![0]) return times[hi]![1];
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (times[mid]![0] <= event) lo = mid;
      else hi = mid;
    }
    const [e0, t0] = times[lo]!,
      [e1, t1] = times[hi]!;
    return t0 + ((t1 - t0) * (event - e0)) / Math.max(1, e1 - e0);
  }

  eventAt(time: number): number {
    const times = this.store.timeline?.times ?? [];
    if (!times.length) return Math.round(time);
    let lo = 0,
      hi = times.length - 1;
    if (time <= times[0]![1]) return 0;
    if (time >= times[hi]![1]) return this.eventCount;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (times[mid]![1] <= time) lo = mid;
      else hi = mid;
    }
    const [e0, t0] = times[lo]!,
      [e1, t1] = times[hi]!;
    return Math.round(e0 + ((e1 - e0) * (time - t0)) / Math.max(1, t1 - t0));
  }

  private density(domain: [number, number]): { t: number; n: number }[] {
    const times = this.store.timeline?.times ?? [];
    const [from, to] = domain;
    const width = Math.max(1, (to - from) / BINS);
    const bins = new Float64Array(BINS);
    for (let i = 1; i < times.length; i++) {
      const [e0, t0] = times[i - 1]!,
        [e1, t1] = times[i]!;
      const events = e1 - e0;
      if (t1 <= t0) {
        const bin = Math.floor((t0 - from) / width);
        if (bin >= 0 && bin < BINS) bins[bin]! += events;
        continue;
      }
      // spread the events evenly over [t0, t1]
      const first = Math.max(0, Math.floor((t0 - from) / width)),
        last = Math.min(BINS - 1, Math.floor((t1 - from) / width));
      for (let bin = first; bin <= last; bin++) {
        const lo = Math.max(t0, from + bin * width),
          hi = Math.min(t1, from + (bin + 1) * width);
        if (hi > lo) bins[bin]! += (events * (hi - lo)) / (t1 - t0); // first..last inside the bins
      }
    }
    return Array.from(bins, (n, bin) => ({ t: from + (bin + 0.5) * width, n: n / width }));
  }

  draw(): void {
    const { width, height } = this.size;
    const timeline = this.store.timeline;
    const end = timeline ? this.timeOf(timeline.eventCount) || 1 : 1;
    const full: [number, number] = [0, end];
    const domain = this.window ?? full;
    this.x = scaleLinear()
      .domain(domain)
      .range([8, width - 8]);
    const bins = this.density(domain);
    const peak = Math.max(...bins.map((bin) => bin.n)) || 1;
    const y = scaleLinear()
      .domain([0, peak])
      .range([height - 20, 6]);
    this.svg.select('.density').attr(
      'd',
      area<{ t: number; n: number }>()
        .x((d) => this.x(d.t))
        .y0(height - 20)
        .y1((d) => y(d.n))(bins) ?? '',
    );
    this.svg
      .select<SVGGElement>('.axis')
      .attr('transform', `translate(0,${height - 20})`)
      .call(
        axisBottom(this.x)
          .ticks(Math.max(2, Math.floor(width / 110)))
          .tickFormat((v) => formatTime(Number(v))),
      )
      // a label at either edge of the axis turns inwards instead of being cut by the panel
      .selectAll<SVGTextElement, number>('.tick text')
      .attr('text-anchor', (d) => (this.x(d) < 40 ? 'start' : this.x(d) > width - 40 ? 'end' : 'middle'));
    const visible = (event: number) => {
      const x = this.x(this.timeOf(event));
      return x >= 0 && x <= width;
    };
    this.svg
      .select('.lost')
      .selectAll('rect')
      .data((timeline?.lost ?? []).filter((gap) => visible(gap.event)))
      .join('rect')
      .attr('class', 'lost-gap')
      .attr('x', (d) => this.x(this.timeOf(d.event)) - 3)
      .attr('y', 4)
      .attr('width', 6)
      .attr('height', height - 24)
      .attr('fill', 'url(#lost-hatch)')
      .selectAll('title')
      .data((d) => [d])
      .join('title')
      .text((d) => `${count(d.count)} events lost at event ${count(d.event)}`);
    const marks = (timeline?.marks ?? []).filter((mark) => visible(mark.event));
    const groups = this.svg
      .select('.finding-marks')
      .selectAll<SVGGElement, (typeof marks)[number]>('g')
      .data(marks, (d) => String(d.id))
      .join((enter) => {
        const g = enter.append('g').attr('class', 'finding-mark');
        g.append('line');
        g.append('path');
        g.append('title');
        g.on('click', (_event, d) => this.actions.chooseFinding(d.id));
        return g;
      });
    groups.attr('data-severity', (d) => d.severity).attr('transform', (d) => `translate(${this.x(this.timeOf(d.event))},0)`);
    groups
      .select('line')
      .attr('y1', 12)
      .attr('y2', height - 20);
    // a triangle for corruption, a diamond for warnings: shape as well as colour
    groups.select('path').attr('d', (d) => (d.severity === 'error' ? 'M0,12 l-5,-9 h10 z' : 'M0,2 l5,5 l-5,5 l-5,-5 z'));
    groups.select('title').text((d) => `${d.kind} at event ${count(d.event)}`);
    this.drawOverview(full);
    this.drawCursor();
  }

  private drawOverview(full: [number, number]): void {
    const width = this.size.overviewWidth,
      height = this.size.overviewHeight;
    this.overviewX = scaleLinear()
      .domain(full)
      .range([8, width - 8]);
    const bins = this.density(full);
    const peak = Math.max(...bins.map((bin) => bin.n)) || 1;
    const y = scaleLinear()
      .domain([0, peak])
      .range([height - 2, 2]);
    this.overview.select('.density').attr(
      'd',
      area<{ t: number; n: number }>()
        .x((d) => this.overviewX(d.t))
        .y0(height - 2)
        .y1((d) => y(d.n))(bins) ?? '',
    );
    // the brush's own elements only change with the overview's size (a live update moves the scale, not them)
    const brushGroup = this.overview.select<SVGGElement>('.brush');
    if (!this.brush || this.brushSize !== `${width}x${height}`) {
      this.brushSize = `${width}x${height}`;
      this.brush = brushX()
        .extent([
          [8, 0],
          [width - 8, height],
        ])
        .on('end', (event: { selection: [number, number] | null; sourceEvent?: Event }) => {
          if (!event.sourceEvent) return;
          this.window = event.selection ? [this.overviewX.invert(event.selection[0]), this.overviewX.invert(event.selection[1])] : null;
          this.draw();
        });
      brushGroup.call(this.brush);
    }
    if (this.window) brushGroup.call(this.brush.move, [this.overviewX(this.window[0]), this.overviewX(this.window[1])]);
  }

  drawCursor(): void {
    const node = this.svg.node()!;
    const height = this.size.height;
    const position = this.store.position;
    const x = this.x(this.timeOf(position));
    this.svg
      .select('.cursor')
      .attr('x1', x)
      .attr('x2', x)
      .attr('y1', 0)
      .attr('y2', height - 20);
    const total = this.eventCount;
    this.positionText.textContent = `${count(position)} of ${count(total)} events`;
    node.setAttribute('aria-valuemin', '0');
    node.setAttribute('aria-valuemax', String(total));
    node.setAttribute('aria-valuenow', String(position));
    node.setAttribute('aria-valuetext', `event ${position} of ${total}`);
    document.body.dataset.position = String(position);
    const live = (this.store.trace?.live ?? false) && !(this.store.status?.ended ?? false);
    (this.positionText.nextElementSibling as HTMLElement).hidden = !live;
  }

  private scrubTo(event: PointerEvent): void {
    if (!this.scrubbable) return;
    const box = this.svg.node()!.getBoundingClientRect();
    this.actions.seek(this.eventAt(this.x.invert(event.clientX - box.left)));
  }

  step(delta: number): void {
    if (!this.scrubbable) return;
    this.actions.seek(Math.max(0, Math.min(this.eventCount, this.store.position + delta)));
  }

  togglePlay(): void {
    if (this.playing) {
      clearInterval(this.playing);
      this.playing = 0;
      this.playButton.textContent = '▶ Play';
      this.playButton.setAttribute('aria-label', 'Play');
      return;
    }
    if (!this.scrubbable) return;
    const [from, to] = this.window ?? [0, this.timeOf(this.eventCount)];
    const span = Math.max(1, this.eventAt(to) - this.eventAt(from));
    const stride = Math.max(1, Math.round(span / 300));
    this.playButton.textContent = '❚❚ Pause';
    this.playButton.setAttribute('aria-label', 'Pause');
    this.playing = window.setInterval(() => {
      if (this.store.position >= this.eventCount) return this.togglePlay();
      this.step(stride);
    }, 50);
  }

  private key(event: KeyboardEvent): void {
    const big = event.shiftKey ? 1000 : 1;
    switch (event.key) {
      case 'ArrowRight':
        this.step(big);
        break;
      case 'ArrowLeft':
        this.step(-big);
        break;
      case 'PageUp':
        this.step(-Math.ceil(this.eventCount / 10));
        break;
      case 'PageDown':
        this.step(Math.ceil(this.eventCount / 10));
        break;
      case 'Home':
        if (this.scrubbable) this.actions.seek(0);
        break;
      case 'End':
        if (this.scrubbable) this.actions.seek(this.eventCount);
        break;
      case ' ':
        this.togglePlay();
        break;
      default:
        return;
    }
    event.preventDefault();
  }
}

function formatTime(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(0)} µs`;
  return `${ns.toFixed(0)} ns`;
}
