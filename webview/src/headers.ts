// headers.ts — the header-bytes strip of the chosen slab: per block, the bytes
// from BASE that matter (header byte, next pointer), expected against actual,
// with BASE and USER marked, so a BASE/USER slip shows at a glance.

import { VIEW_BLOCK_STATES } from '../../extension/protocol/view-protocol';
import { byteHex, hex, pointerBytes } from './format';
import { STATE_LETTERS } from './palette';
import type { Store } from './store';

/** blocks shown around the selected one */
const WINDOW = 128;

export class HeaderBytes {
  private readonly body: HTMLElement;
  private readonly caption: HTMLElement;

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
  ) {
    parent.innerHTML =
      '<p class="hint header-caption">Choose a block on the map to see its slab\'s header bytes.</p><div class="header-strip"></div>';
    this.caption = parent.querySelector('.header-caption')!;
    this.body = parent.querySelector('.header-strip')!;
    store.on('slab', () => this.draw());
    store.on('selection', () => this.mark());
  }

  private draw(): void {
    const slab = this.store.slab;
    if (!slab) return;
    const width = Math.max(slab.headerOffset + 1, slab.userOffset + 1, slab.nextOffset + 8);
    const selected = this.store.selection.block;
    const selectedSlot =
      selected !== null && selected >= slab.slabStart && selected < slab.slabStart + slab.blocks.length * slab.stride
        ? Math.floor((selected - slab.slabStart) / slab.stride)
        : 0;
    const first = Math.max(0, Math.min(slab.blocks.length - WINDOW, selectedSlot - WINDOW / 2));
    const last = Math.min(slab.blocks.length, first + WINDOW);
    const mismatches = slab.blocks.filter((block) => block.mismatch).length;
    this.caption.textContent =
      `Slab ${hex(slab.slabStart)} · C${slab.cls} · stride ${slab.stride} · header at BASE+${slab.headerOffset}, expected ${byteHex(slab.expectedHeader)} · ` +
      `next pointer at BASE+${slab.nextOffset} · USER = BASE+${slab.userOffset} · event ${slab.event} · ${mismatches} header mismatch${mismatches === 1 ? '' : 'es'}` +
      (slab.blocks.length > WINDOW ? ` · blocks ${first}..${last - 1} of ${slab.blocks.length}` : '');
    const head = ['<tr><th scope="col">slot</th><th scope="col">BASE</th><th scope="col">state</th>'];
    for (let offset = 0; offset < width; offset++) {
      const marks = [
        offset === 0 ? 'BASE' : '',
        offset === slab.userOffset ? 'USER' : '',
        offset === slab.headerOffset ? 'hdr' : '',
        offset === slab.nextOffset ? 'next' : '',
      ]
        .filter(Boolean)
        .join(' ');
      head.push(
        `<th scope="col" class="${offset === slab.userOffset ? 'user-col' : ''}${offset === 0 ? ' base-col' : ''}">+${offset}${marks ? `<br><span class="offset-mark">${marks}</span>` : ''}</th>`,
      );
    }
    head.push('</tr>');
    const rows: string[] = [];
    for (let slot = first; slot < last; slot++) {
      const block = slab.blocks[slot]!; // first..last lies inside the blocks
      const base = slab.slabStart + slot * slab.stride;
      const state = VIEW_BLOCK_STATES[block.state] ?? 'unknown';
      const shown = block.corrupt ? 'corrupt' : state;
      const free = state === 'free-cache' || state === 'free-slab' || state === 'remote-pending';
      const next = free ? pointerBytes(block.next) : null;
      const bad = block.mismatch;
      const cells: string[] = [];
      for (let offset = 0; offset < width; offset++) {
        const inNext = next !== null && offset >= slab.nextOffset && offset < slab.nextOffset + 8;
        const isHeader = offset === slab.headerOffset;
        if (inNext) {
          const value = next![offset - slab.nextOffset]!; // inNext: one of the pointer's 8 bytes
          cells.push(
            `<td class="byte next-byte${isHeader ? ' overlap' : ''}" title="next pointer byte ${offset - slab.nextOffset}${isHeader ? ' (over the header byte while free)' : ''}">${byteHex(value)}</td>`,
          );
        } else if (isHeader) {
          cells.push(
            bad
              ? `<td class="byte header-byte mismatch" title="header ${byteHex(block.header)}, expected ${byteHex(slab.expectedHeader)}" aria-label="header ${byteHex(block.header)}, expected ${byteHex(slab.expectedHeader)}: mismatch">${byteHex(block.header)}<span class="expected">≠${byteHex(slab.expectedHeader)}</span></td>`
              : `<td class="byte header-byte${block.header < 0 ? ' unknown' : ''}" title="header byte, expected ${byteHex(slab.expectedHeader)}">${byteHex(block.header)}</td>`,
          );
        } else cells.push('<td class="byte blank">··</td>');
      }
      rows.push(
        `<tr data-slot="${slot}" data-base="${hex(base)}" class="${bad ? 'bad' : ''}"><th scope="row">${slot}</th><td><code>${hex(base)}</code></td><td class="state state-${shown}">${STATE_LETTERS[shown]} ${state}${block.corrupt ? ' ✕ corrupt' : ''}</td>${cells.join('')}</tr>`,
      );
    }
    this.body.innerHTML = `<table aria-label="Header bytes of slab ${hex(slab.slabStart)}"><thead>${head.join('')}</thead><tbody>${rows.join('')}</tbody></table>`;
    this.mark();
  }

  private mark(): void {
    const selected = this.store.selection.block;
    for (const row of this.body.querySelectorAll<HTMLTableRowElement>('tr.selected')) row.classList.remove('selected');
    if (selected === null) return;
    const row = this.body.querySelector<HTMLTableRowElement>(`tr[data-base="${hex(selected)}"]`);
    if (row) {
      row.classList.add('selected');
      row.scrollIntoView({ block: 'nearest' });
    }
  }
}
