// routes.ts — per class, how frees were routed (header fast path, registry,
// remote, mid/large, foreign, rejected): a registry share like the seeds'
// Phase E2 regression stands out as a marked bar.

import { select } from 'd3';
import { count } from './format';
import type { Store } from './store';

const ROUTES = ['header-fast', 'registry', 'remote', 'mid', 'large', 'foreign', 'rejected'];

export class FreeRoutes {
  private readonly table: HTMLElement;
  /** what the table shows now: a live update whose counts did not move redraws nothing */
  private shown = '';
  constructor(
    parent: HTMLElement,
    private readonly store: Store,
  ) {
    parent.innerHTML = `<p class="hint">Frees per class by route. The header fast path should carry nearly every tiny free; a registry share means frees skip it.</p>
      <ul class="route-legend">${ROUTES.map((route) => `<li><span class="swatch route-${route}"></span>${route}</li>`).join('')}</ul><div class="routes-table" role="table" aria-label="Free routes per class"></div>`;
    this.table = parent.querySelector('.routes-table')!;
    store.on('heap', () => this.draw());
    store.on('findings', () => this.draw());
  }

  private draw(): void {
    const regressed = new Set(this.store.findings.filter((finding) => finding.kind === 'route-regression').map((finding) => finding.cls));
    const shown = JSON.stringify([this.store.routes, [...regressed]]);
    if (shown === this.shown) return;
    this.shown = shown;
    const rows = this.store.routes
      .map((row) => {
        const total = Object.values(row.frees).reduce((a, b) => a + b, 0);
        return { ...row, total, regressed: typeof row.cls === 'number' && regressed.has(row.cls) };
      })
      .filter((row) => row.total > 0);
    const items = select(this.table)
      .selectAll<HTMLDivElement, (typeof rows)[number]>('div.route-row')
      .data(rows, (d) => String(d.cls))
      .join((enter) => {
        const div = enter.append('div').attr('class', 'route-row').attr('role', 'row');
        div.append('span').attr('class', 'route-class').attr('role', 'rowheader');
        div.append('span').attr('class', 'route-bar').attr('role', 'cell');
        div.append('span').attr('class', 'route-total').attr('role', 'cell');
        return div;
      });
    items.classed('regressed', (d) => d.regressed).attr('data-class', (d) => String(d.cls));
    items.select('.route-class').text((d) => (d.cls === 'other' ? 'mid/large' : `C${d.cls}`) + (d.regressed ? ' ⚠' : ''));
    items.select('.route-total').text((d) => `${count(d.total)} frees`);
    items.select('.route-bar').each(function (d) {
      const segments = ROUTES.flatMap((route) => {
        const n = d.frees[route];
        return n ? [{ route, n, share: n / d.total }] : [];
      });
      select(this)
        .selectAll<HTMLSpanElement, (typeof segments)[number]>('span')
        .data(segments)
        .join('span')
        .attr('class', (s) => `segment route-${s.route}`)
        .style('width', (s) => `${Math.max(0.5, s.share * 100)}%`)
        .attr('title', (s) => `${s.route}: ${count(s.n)} (${(s.share * 100).toFixed(1)}%)`)
        .attr('data-route', (s) => s.route)
        .attr('data-count', (s) => String(s.n))
        .text((s) => (s.share >= 0.12 ? `${s.route} ${(s.share * 100).toFixed(0)}%` : ''));
    });
  }
}
