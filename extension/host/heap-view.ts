// heap-view.ts — the Heap view in Run and Debug: the stopped process's freelists
// as memory holds them, threads → class caches → blocks in chain order from the
// head, then every slab with its freelist and remote queue; a broken chain ends
// in an item that says why. Redrawn at each stop and each change of thread or
// frame; "Show in Heap" reveals and selects a block; a block with a data
// breakpoint on it says so.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { hex } from '../core';
import type { ChainImage } from '../debug/heap-image';
import type { PointerTarget } from '../debug/pointer-label';
import { HEAP_BLOCK_ITEM, View } from './ids';
import type { HeapWatches } from './heap-breakpoints';
import type { StoppedHeap, StoppedHeaps } from './stopped-heap';

/** nodes listed per chain: a longer chain ends in "… n more" */
const NODES_SHOWN = 256;

export interface HeapNode {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly parent: HeapNode | null;
  readonly children: HeapNode[];
  readonly icon: string;
  readonly tooltip?: string;
  /** the block a node stands for, by BASE, and its class */
  readonly base?: number;
  readonly cls?: number;
}

function node(
  parent: HeapNode | null,
  id: string,
  label: string,
  description: string,
  icon: string,
  extra: Partial<HeapNode> = {},
): HeapNode {
  const made: HeapNode = { id: parent ? `${parent.id}/${id}` : id, label, description, parent, children: [], icon, ...extra };
  parent?.children.push(made);
  return made;
}

const END_WORDS: Record<string, string> = {
  cycle: 'loops back',
  corrupt: 'a corrupt link',
  'out-of-slab': 'a link out of its slab',
  'wrong-class': 'a link to another class',
  sentinel: 'the remote sentinel',
  unreadable: 'memory that could not be read',
};

/** A chain's blocks under `parent`, head first, and why it ended when it broke. */
function chainNodes(parent: HeapNode, chain: ChainImage, cls: number, lists: ReadonlyMap<number, string>): void {
  chain.nodes.slice(0, NODES_SHOWN).forEach((block, i) =>
    node(parent, hex(block.base), `${i + 1}. ${hex(block.base)}`, `C${cls} · USER ${hex(block.user)}`, 'arrow-down', {
      base: block.base,
      cls,
      tooltip: lists.get(block.base) ?? undefined,
    }),
  );
  if (chain.nodes.length > NODES_SHOWN) node(parent, 'more', `… ${chain.nodes.length - NODES_SHOWN} more`, '', 'ellipsis');
  if (chain.end !== 'null')
    node(parent, 'end', `⚠ ends at ${END_WORDS[chain.end] ?? chain.end}`, `after ${chain.nodes.length} blocks`, 'error');
}

/** The tree of one stop, and its blocks by BASE (the first node of each). */
export function heapTree(heap: StoppedHeap): { roots: HeapNode[]; blocks: Map<number, HeapNode> } {
  const { image, lists } = heap;
  const roots: HeapNode[] = [];
  for (const thread of image.threads) {
    const cached = thread.caches.reduce((n, cache) => n + cache.nodes.length, 0);
    const top = node(null, `thread:${thread.thread}`, `thread ${thread.thread}`, `${cached} cached`, 'pulse');
    roots.push(top);
    for (const cache of thread.caches) {
      if (!cache.nodes.length && cache.end === 'null' && !cache.count) continue;
      const broken = cache.end !== 'null' ? ` ⚠ ${cache.end}` : '';
      chainNodes(
        node(
          top,
          `C${cache.cls}`,
          `C${cache.cls} cache`,
          `${cache.nodes.length} blocks, count ${cache.count}${broken}`,
          broken ? 'warning' : 'list-ordered',
        ),
        cache,
        cache.cls,
        lists,
      );
    }
  }
  for (const slab of image.slabs) {
    const top = node(
      null,
      `slab:${hex(slab.start)}`,
      `slab ${hex(slab.start)}`,
      `C${slab.cls} · owner ${slab.owner} · used ${slab.used}/${slab.capacity} · ${slab.freelist.nodes.length} free · ${slab.remote.nodes.length} remote`,
      'database',
    );
    roots.push(top);
    for (const [name, chain] of [
      ['freelist', slab.freelist],
      ['remote queue', slab.remote],
    ] as const)
      if (chain.nodes.length || chain.end !== 'null')
        chainNodes(
          node(
            top,
            name,
            name,
            `${chain.nodes.length} blocks${chain.end !== 'null' ? ` ⚠ ${chain.end}` : ''}`,
            chain.end !== 'null' ? 'warning' : 'list-ordered',
          ),
          chain,
          slab.cls,
          lists,
        );
  }
  const blocks = new Map<number, HeapNode>();
  const visit = (at: HeapNode) => {
    if (at.base !== undefined && !blocks.has(at.base)) blocks.set(at.base, at);
    at.children.forEach(visit);
  };
  roots.forEach(visit);
  return { roots, blocks };
}

class HeapTreeProvider implements vscode.TreeDataProvider<HeapNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  roots: HeapNode[] = [];
  blocks = new Map<number, HeapNode>();
  /** a block Show in Heap named that no chain holds (in use, say): listed first */
  shown: HeapNode | null = null;
  private sessionId: string | null = null;

  constructor(private readonly watches: HeapWatches) {}

  set(heap: StoppedHeap | null): void {
    ({ roots: this.roots, blocks: this.blocks } = heap ? heapTree(heap) : { roots: [], blocks: new Map() });
    this.sessionId = heap?.session.id ?? null;
    this.shown = null;
    this.changed.fire();
  }

  /** The blocks' marks changed: redraw the items, the tree stays. */
  refresh(): void {
    this.changed.fire();
  }

  /** The node of `target`'s block: its chain's, else one made for it at the top. */
  nodeFor(target: PointerTarget): HeapNode {
    const listed = this.blocks.get(target.base);
    if (listed) return listed;
    this.shown = node(
      null,
      `block:${hex(target.base)}`,
      `block ${hex(target.base)}`,
      `C${target.cls} · ${target.state} · slab ${hex(target.slab)} slot ${target.slot}`,
      'symbol-variable',
      { base: target.base, cls: target.cls, tooltip: target.label },
    );
    this.changed.fire();
    return this.shown;
  }

  getTreeItem(at: HeapNode): vscode.TreeItem {
    const item = new vscode.TreeItem(
      at.label,
      at.children.length
        ? at.parent
          ? vscode.TreeItemCollapsibleState.Collapsed
          : vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.None,
    );
    item.id = at.id;
    const mark = at.base !== undefined && this.sessionId ? this.watches.markOf(this.sessionId, at.base) : null;
    item.description = mark ? `${at.description} · ${mark}` : at.description;
    item.tooltip = at.tooltip;
    item.iconPath = new vscode.ThemeIcon(at.icon);
    if (at.base !== undefined) item.contextValue = HEAP_BLOCK_ITEM; // its menus: Break on Write to Link / Header
    return item;
  }

  getChildren(at?: HeapNode): HeapNode[] {
    if (at) return at.children;
    return this.shown ? [this.shown, ...this.roots] : this.roots;
  }

  getParent(at: HeapNode): HeapNode | null {
    return at.parent;
  }
}

export class HeapView implements vscode.Disposable {
  private readonly provider: HeapTreeProvider;
  private readonly view: vscode.TreeView<HeapNode>;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly heaps: StoppedHeaps,
    watches: HeapWatches,
  ) {
    this.provider = new HeapTreeProvider(watches);
    this.view = vscode.window.createTreeView(View.stoppedHeap, { treeDataProvider: this.provider, showCollapseAll: true });
    this.subscriptions = [heaps.onDidChange((heap) => this.update(heap)), watches.onDidChange(() => this.provider.refresh())];
    this.update(heaps.current);
  }

  private update(heap: StoppedHeap | null): void {
    this.provider.set(heap);
    if (heap) {
      const at = heap.image.stoppedAt;
      this.view.description = at?.file ? `${basename(at.file)}:${at.line ?? '?'}` : undefined;
      this.view.message = heap.image.findings.length
        ? `${heap.image.findings.length} finding${heap.image.findings.length === 1 ? '' : 's'} at this stop: see Problems`
        : undefined;
    } else {
      this.view.description = undefined;
      this.view.message = this.heaps.problem ?? undefined;
    }
  }

  /** Reveals, selects and focuses `target`'s block. */
  async show(target: PointerTarget): Promise<void> {
    await this.view.reveal(this.provider.nodeFor(target), { select: true, focus: true, expand: true });
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.view.dispose();
  }
}
