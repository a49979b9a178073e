// main.ts — the heap views: lays out the panels, connects to the host (VS Code
// or `slabscope view`), and wires choices between views: a finding moves the
// map, the freelists and the timeline to it.

import '../style.css';
import type { ViewFinding } from '../../extension/protocol/view-protocol';
import { FindingsList } from './findings';
import { Freelists } from './freelists';
import { HeaderBytes } from './headers';
import { HeapMap } from './heapmap';
import { readPalette } from './palette';
import { FreeRoutes } from './routes';
import { Store } from './store';
import { Timeline } from './timeline';
import { connect } from './transport';

interface SavedState {
  position: number;
  block: number | null;
  slab: number | null;
  thread: number | null;
  cls: number | null;
  tab: string;
}

const root = document.getElementById('app')!;
root.removeAttribute('aria-busy');
root.innerHTML = `
  <header class="topbar">
    <h1 class="title">Slabscope</h1>
    <span class="status" role="status"></span>
    <span class="toast" role="status" hidden></span>
    <span class="error-banner" role="alert" hidden></span>
  </header>
  <aside class="panel findings-panel" aria-label="Findings"></aside>
  <section class="panel map-panel" aria-label="Heap map"></section>
  <section class="panel timeline-panel" aria-label="Timeline"></section>
  <section class="panel details-panel">
    <div class="tablist" role="tablist" aria-label="Details">
      <button type="button" role="tab" id="tab-freelists" aria-controls="panel-freelists" aria-selected="true">Freelists</button>
      <button type="button" role="tab" id="tab-headers" aria-controls="panel-headers" aria-selected="false" tabindex="-1">Header bytes</button>
      <button type="button" role="tab" id="tab-routes" aria-controls="panel-routes" aria-selected="false" tabindex="-1">Free routes</button>
    </div>
    <div role="tabpanel" id="panel-freelists" aria-labelledby="tab-freelists" class="tabpanel"></div>
    <div role="tabpanel" id="panel-headers" aria-labelledby="tab-headers" class="tabpanel" hidden></div>
    <div role="tabpanel" id="panel-routes" aria-labelledby="tab-routes" class="tabpanel" hidden></div>
  </section>`;

const transport = connect();
document.body.classList.add(`host-${transport.kind}`);
const post = transport.post.bind(transport);
// The views hear of what arrived at the next animation frame, each view once, and
// as many views a frame as fit in FRAME_BUDGET_MS (the rest draw in the next
// frames). A live host waits for "applied" before it sends the next update (a
// status ends each), so nothing queues up behind the page.
const FRAME_BUDGET_MS = 8;
const store = new Store((flush) =>
  requestAnimationFrame(() => {
    const topics = flush(FRAME_BUDGET_MS);
    if (topics.includes('status') && store.trace?.live) post({ type: 'applied' });
  }),
);
const $ = <T extends HTMLElement>(selector: string) => root.querySelector<T>(selector)!;

// ---- seeking: one request in flight, the latest wish wins ----------------------
let seekInFlight = false;
let wantedEvent: number | null = null;
let focusAfterSeek: number | null = null;
function seek(event: number): void {
  wantedEvent = event;
  pumpSeek();
}
function pumpSeek(): void {
  if (seekInFlight || wantedEvent === null) return;
  post({ type: 'seek', event: wantedEvent });
  seekInFlight = true;
  wantedEvent = null;
}

const map = new HeapMap($('.map-panel'), store, post, readPalette(document.body));
const timeline = new Timeline($('.timeline-panel'), store, {
  seek,
  chooseFinding: (id) => {
    const finding = store.findings.find((f) => f.id === id);
    if (finding) chooseFinding(finding);
  },
});
new FindingsList($('.findings-panel'), store, { choose: chooseFinding, openSource });
new Freelists($('#panel-freelists'), store, post);
new HeaderBytes($('#panel-headers'), store);
new FreeRoutes($('#panel-routes'), store);

function chooseFinding(finding: ViewFinding): void {
  store.select({ finding: finding.id, thread: finding.thread, cls: finding.cls >= 0 ? finding.cls : store.selection.cls });
  focusAfterSeek = finding.base || null;
  if (store.trace?.live) applyFocus();
  else seek(Math.min(finding.event + 1, timeline.eventCount));
}

function applyFocus(): void {
  const base = focusAfterSeek;
  focusAfterSeek = null;
  if (base === null) return;
  const slab = store.slabAt(base);
  if (!slab) return;
  map.choose(base, slab);
  map.focus(base);
}

function openSource(site: { file: string; line: number }): void {
  post({ type: 'openSource', file: site.file, line: site.line });
  if (transport.kind !== 'browser') return;
  // no editor here: show where, and put it on the clipboard for the user's editor
  const text = `${site.file}:${site.line}`;
  const toast = $('.toast');
  toast.textContent = `${text} — copied`;
  toast.hidden = false;
  navigator.clipboard?.writeText(text).catch(() => {
    toast.textContent = `${text} (copy it: the clipboard was refused)`;
  });
  window.setTimeout(() => {
    toast.hidden = true;
  }, 6000);
}

// ---- tabs -------------------------------------------------------------------
const tabs = [...root.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
function showTab(tab: HTMLButtonElement): void {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    $(`#${other.getAttribute('aria-controls')}`).hidden = !selected;
  }
  saveState();
}
for (const tab of tabs) {
  tab.addEventListener('click', () => showTab(tab));
  tab.addEventListener('keydown', (event) => {
    const at = tabs.indexOf(tab);
    const next =
      event.key === 'ArrowRight'
        ? tabs[(at + 1) % tabs.length]
        : event.key === 'ArrowLeft'
          ? tabs[(at + tabs.length - 1) % tabs.length]
          : null;
    if (next) {
      showTab(next);
      next.focus();
      event.preventDefault();
    }
  });
}

// ---- status, errors, theme ------------------------------------------------------
store.on('status', () => {
  $('.status').textContent = store.status?.text ?? '';
});
store.on('trace', () => {
  const trace = store.trace!;
  $('.title').textContent = `Slabscope — ${trace.title}`;
  document.title = `Slabscope — ${trace.title}`;
  document.body.dataset.layout = trace.layout.name;
  restoreState();
});
let errorTimer = 0;
store.on('error', () => {
  seekInFlight = false;
  const banner = $('.error-banner');
  banner.textContent = store.lastError;
  banner.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = window.setTimeout(() => {
    banner.hidden = true;
  }, 10000);
});
store.on('heap', () => {
  seekInFlight = false;
  // the chosen block's card follows the model
  if (store.selection.block !== null && focusAfterSeek === null) post({ type: 'block', address: store.selection.block });
  applyFocus();
  pumpSeek();
  document.body.dataset.ready = 'true';
  saveState();
});
new MutationObserver(() => map.setPalette(readPalette(document.body))).observe(document.body, {
  attributes: true,
  attributeFilter: ['class'],
});

// ---- state kept while a VS Code panel is hidden ------------------------------------
let restored = false;
function saveState(): void {
  if (!store.trace) return;
  const tab = tabs.find((t) => t.getAttribute('aria-selected') === 'true')?.id ?? 'tab-freelists';
  const { block, slab, thread, cls } = store.selection;
  transport.saveState({ position: store.position, block, slab, thread, cls, tab } satisfies SavedState);
}
function restoreState(): void {
  if (restored) return;
  restored = true;
  const saved = transport.loadState() as SavedState | null;
  if (!saved || typeof saved !== 'object' || typeof saved.position !== 'number') return;
  store.select({ thread: saved.thread, cls: saved.cls });
  const tab = tabs.find((t) => t.id === saved.tab);
  if (tab) showTab(tab);
  focusAfterSeek = saved.block;
  if (!store.trace?.live) seek(saved.position);
}

transport.listen(
  (message) => store.apply(message),
  (reason) => store.fail(`refused a message from the host: ${reason}`),
);
post({ type: 'ready' });
