// findings.ts — the list of findings: kind, pointer, class, thread, site.
// Choosing one moves the map, freelists and timeline to it; "open source" asks
// the host to open the offending line.

import { select } from 'd3';
import type { ViewFinding } from '../../extension/protocol/view-protocol';
import { count, siteText } from './format';
import type { Store } from './store';

export interface FindingActions {
  choose(finding: ViewFinding): void;
  openSource(site: { file: string; line: number }): void;
}

/** The source a finding points at: the user's call, else the allocator line. */
export function findingSource(finding: ViewFinding): { file: string; line: number } | null {
  return finding.site ?? finding.internalSite;
}

export class FindingsList {
  private readonly list: HTMLUListElement;
  private readonly heading: HTMLElement;
  private active = -1;

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
    private readonly actions: FindingActions,
  ) {
    parent.innerHTML =
      '<h2 id="findings-heading">Findings <span class="count"></span></h2><ul class="findings-list" role="listbox" tabindex="0" aria-labelledby="findings-heading"></ul>';
    this.heading = parent.querySelector('.count')!;
    this.list = parent.querySelector('ul')!;
    this.list.addEventListener('keydown', (event) => this.key(event));
    store.on('findings', () => this.draw());
    store.on('selection', () => this.mark());
  }

  private draw(): void {
    const findings = this.store.findings;
    const errors = findings.filter((finding) => finding.severity === 'error').length;
    this.heading.textContent = `${findings.length} (${errors} corruption${errors === 1 ? '' : 's'})`;
    const items = select(this.list)
      .selectAll<HTMLLIElement, ViewFinding>('li')
      .data(findings, (d) => String(d.id))
      .join((enter) => {
        const li = enter.append('li').attr('role', 'option');
        li.append('div').attr('class', 'finding-head');
        li.append('div').attr('class', 'finding-message');
        const foot = li.append('div').attr('class', 'finding-foot');
        foot.append('span').attr('class', 'finding-where');
        foot.append('button').attr('type', 'button').attr('class', 'open-source').attr('tabindex', -1);
        li.on('click', (_event, d) => this.choose(d));
        li.select('.open-source').on('click', (event: MouseEvent, d) => {
          event.stopPropagation();
          const source = findingSource(d as ViewFinding);
          if (source) this.actions.openSource(source);
        });
        return li;
      });
    items
      .attr('id', (d) => `finding-${d.id}`)
      .attr('data-kind', (d) => d.kind)
      .attr('data-severity', (d) => d.severity)
      .attr(
        'aria-label',
        (d) => `${d.kind} ${d.severity === 'error' ? 'corruption' : 'warning'} at ${d.ptr}, ${siteText(findingSource(d))}`,
      );
    items
      .select('.finding-head')
      .html(
        (d) =>
          `<span class="badge ${d.severity}" aria-hidden="true">${d.severity === 'error' ? '✕' : '!'}</span><span class="kind">${d.kind}</span>${d.ptr === '0x0' ? '' : ` <code class="ptr">${d.ptr}</code>`}` +
          `<span class="meta">${d.cls >= 0 ? `C${d.cls}` : ''} · thread ${d.thread} · event ${count(d.event)}</span>`,
      );
    items.select('.finding-message').text((d) => d.message);
    items.select('.finding-where').text((d) => (d.site ? '' : d.internalSite ? 'in the allocator: ' : ''));
    items
      .select<HTMLButtonElement>('.open-source')
      .text((d) => siteText(findingSource(d)))
      .property('disabled', (d) => !findingSource(d))
      .attr('title', (d) => {
        const s = findingSource(d);
        return s ? `Open ${s.file}:${s.line}` : 'no source line is known';
      });
    this.mark();
  }

  private mark(): void {
    const selected = this.store.selection.finding;
    select(this.list)
      .selectAll<HTMLLIElement, ViewFinding>('li')
      .attr('aria-selected', (d) => String(d.id === selected))
      .classed('selected', (d) => d.id === selected);
    if (selected !== null) {
      this.active = this.store.findings.findIndex((finding) => finding.id === selected);
      this.list.setAttribute('aria-activedescendant', `finding-${selected}`);
      this.list.querySelector(`#finding-${selected}`)?.scrollIntoView({ block: 'nearest' });
    }
  }

  private choose(finding: ViewFinding): void {
    this.active = this.store.findings.indexOf(finding);
    this.actions.choose(finding);
  }

  private key(event: KeyboardEvent): void {
    const findings = this.store.findings;
    if (!findings.length) return;
    let next = this.active;
    switch (event.key) {
      case 'ArrowDown':
        next = Math.min(findings.length - 1, this.active + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, this.active - 1);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = findings.length - 1;
        break;
      case 'Enter':
      case 'o': {
        const finding = findings[Math.max(0, this.active)];
        const source = finding && findingSource(finding);
        if (event.key === 'o' && source) this.actions.openSource(source);
        else if (finding) this.choose(finding);
        event.preventDefault();
        return;
      }
      default:
        return;
    }
    event.preventDefault();
    const finding = findings[next];
    if (finding) this.choose(finding);
  }
}
