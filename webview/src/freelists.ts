// freelists.ts — for a chosen thread and class: the thread cache chain, and the
// slab freelists and remote queues of the slabs it owns, side by side, each as
// linked nodes in order with every next pointer and its offset. A link that
// breaks, cycles, leaves its slab or enters another class is drawn in the error
// style and named.

import { select } from 'd3';
import type { FreelistChain, FreelistNode, ViewMessage, ViewSizeClass, ViewThread } from '../../extension/protocol/view-protocol';
import { count, hex } from './format';
import type { Store } from './store';

const NODE_W = 330,
  NODE_H = 48,
  GAP_Y = 18;

export class Freelists {
  private readonly threadSelect: HTMLSelectElement;
  private readonly classSelect: HTMLSelectElement;
  private readonly columns: HTMLElement;
  private readonly summary: HTMLElement;

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
    private readonly post: (message: ViewMessage) => void,
  ) {
    parent.innerHTML = `<div class="freelist-pickers">
        <label>thread <select class="pick-thread" aria-label="Thread"></select></label>
        <label>class <select class="pick-class" aria-label="Size class"></select></label>
        <span class="freelist-summary"></span></div>
      <div class="freelist-columns"></div>`;
    this.threadSelect = parent.querySelector('.pick-thread')!;
    this.classSelect = parent.querySelector('.pick-class')!;
    this.columns = parent.querySelector('.freelist-columns')!;
    this.summary = parent.querySelector('.freelist-summary')!;
    const ask = () => {
      const thread = Number(this.threadSelect.value),
        cls = Number(this.classSelect.value);
      if (!Number.isInteger(thread) || !Number.isInteger(cls) || this.threadSelect.value === '') return;
      store.select({ thread, cls });
    };
    this.threadSelect.addEventListener('change', ask);
    this.classSelect.addEventListener('change', ask);
    store.on('trace', () => this.pickers());
    store.on('heap', () => this.pickers());
    store.on('selection', () => this.request());
    store.on('freelist', () => this.draw());
  }

  private last = '';
  private request(): void {
    const { thread, cls } = this.store.selection;
    if (thread === null || cls === null) return;
    this.threadSelect.value = String(thread);
    this.classSelect.value = String(cls);
    const key = `${thread}/${cls}`;
    if (key === this.last) return;
    this.last = key;
    this.post({ type: 'selectFreelist', thread, cls });
  }

  private pickers(): void {
    const threads = this.store.threads;
    const current = this.threadSelect.value;
    // with every live update: an option's text written costs its select a rebuild, so only changed ones are
    select(this.threadSelect)
      .selectAll<HTMLOptionElement, ViewThread>('option')
      .data(threads, (d) => String(d.id))
      .join('option')
      .each(function (d) {
        setAttr(this, 'value', String(d.id));
        setText(this, `${d.id}${d.exited ? ' (exited)' : ''} — ${count(d.cache.reduce((a, b) => a + b, 0))} cached`);
      });
    if (current && this.threadSelect.value !== current) this.threadSelect.value = current;
    const classes = this.store.trace?.layout.classes ?? [];
    select(this.classSelect)
      .selectAll<HTMLOptionElement, ViewSizeClass>('option')
      .data(classes)
      .join('option')
      .each(function (d) {
        setAttr(this, 'value', String(d.cls));
        setText(this, `C${d.cls} (${d.blockSize} B)`);
      });
    const cls = this.store.selection.cls;
    if (cls !== null && this.classSelect.value !== String(cls)) this.classSelect.value = String(cls);
    if (this.store.selection.thread === null && threads.length) {
      // start on the thread and class with the longest cache: something to see
      let best = { thread: threads[0]!.id, cls: 0, n: -1 };
      for (const thread of threads)
        thread.cache.forEach((n, cls) => {
          if (n > best.n) best = { thread: thread.id, cls, n };
        });
      this.store.select({ thread: best.thread, cls: best.cls });
    }
  }

  private draw(): void {
    const message = this.store.freelist;
    if (!message) return;
    const errors = message.chains.reduce((n, chain) => n + chain.nodes.filter((node) => node.error).length, 0);
    this.summary.textContent = `at event ${count(message.event)}: ${message.chains.length} lists${errors ? `, ${errors} bad link${errors === 1 ? '' : 's'}` : ''}`;
    const columns = select(this.columns)
      .selectAll<HTMLElement, FreelistChain>('section.chain')
      .data(message.chains)
      .join((enter) => {
        const section = enter.append('section').attr('class', 'chain');
        section.append('h3');
        section
          .append('svg')
          .append('defs')
          .html(
            '<marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0 L8,4 L0,8 z" class="arrow-head"/></marker>',
          );
        return section;
      });
    columns.attr('data-list', (d) => d.name).attr('aria-label', (d) => `${d.name} of ${d.owner}`);
    columns
      .select('h3')
      .text(
        (d) =>
          `${d.name} — ${d.owner}: ${count(d.total)} block${d.total === 1 ? '' : 's'}${d.known ? '' : ' (not known exactly: lost events or operation-level trace)'}`,
      );
    columns.select('svg').each(function (chain) {
      const svg = select(this);
      const more = chain.total - chain.nodes.length;
      const height = Math.max(30, chain.nodes.length * (NODE_H + GAP_Y) + (more > 0 ? 24 : 0));
      svg
        .attr('width', NODE_W + 20)
        .attr('height', height)
        .attr('role', 'list');
      const nodes = svg
        .selectAll<SVGGElement, FreelistNode>('g.node')
        .data(chain.nodes)
        .join((enter) => {
          const g = enter.append('g').attr('class', 'node').attr('role', 'listitem');
          g.append('rect').attr('width', NODE_W).attr('height', NODE_H).attr('rx', 4);
          g.append('text').attr('class', 'node-base').attr('x', 8).attr('y', 16);
          g.append('text').attr('class', 'node-next').attr('x', 8).attr('y', 32);
          g.append('text').attr('class', 'node-error').attr('x', 8).attr('y', 44);
          g.append('line')
            .attr('class', 'link')
            .attr('x1', NODE_W / 2)
            .attr('x2', NODE_W / 2)
            .attr('marker-end', 'url(#arrow)');
          return g;
        });
      // a live update redraws these every time: only what differs is written, so unchanged nodes cost no layout
      const last = chain.nodes.length - 1;
      nodes.each(function (d, i) {
        // the five children the node was made with, above
        const [, base, next, error, link] = this.children as unknown as readonly [Element, Element, Element, Element, Element];
        setAttr(this, 'transform', `translate(10,${i * (NODE_H + GAP_Y)})`);
        setAttr(this, 'data-base', hex(d.base));
        setAttr(this, 'data-error', d.error ?? '');
        setAttr(this, 'class', d.error !== null ? 'node error' : 'node');
        setAttr(
          this,
          'aria-label',
          `node ${i + 1}: ${hex(d.base)}, next ${hex(d.next)} at offset ${d.nextOffset}${d.error ? `, ${d.error}: ${d.note}` : ''}`,
        );
        setText(base, `${i + 1}. BASE ${hex(d.base)}`);
        setText(next, `next @+${d.nextOffset} = ${d.next < 0 ? 'unknown' : d.next === 0 ? 'NULL' : hex(d.next)}`);
        setText(error, d.error ? `⚠ ${d.error}: ${d.note}` : '');
        setAttr(link, 'y1', String(NODE_H));
        setAttr(link, 'y2', String(NODE_H + GAP_Y - 2));
        setAttr(link, 'visibility', i < last ? 'visible' : 'hidden');
        setAttr(link, 'class', d.error !== null ? 'link broken' : 'link');
      });
      svg
        .selectAll('text.more')
        .data(more > 0 ? [more] : [])
        .join('text')
        .attr('class', 'more')
        .attr('x', 10)
        .attr('y', height - 6)
        .text((n) => `… ${count(n)} more`);
    });
  }
}

function setAttr(element: Element, name: string, value: string): void {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}
