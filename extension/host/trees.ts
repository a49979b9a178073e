// trees.ts — the Slabscope activity-bar views: Threads (thread, class, its
// freelist's first links), Superslabs (superslab, slab, class, used/capacity),
// Findings (by kind, each opening its source).
import * as vscode from 'vscode';
import { FINDING_KINDS, hex, type ReportFinding } from '../core';
import { TraceFileSource, freelistMessage } from '../protocol';
import type { SlabscopeContext } from './context';
import type { Controller } from './controller';
import { Command, View } from './ids';

/** a tree item; a finding's keeps its finding for the commands of its context menu */
export type Node = vscode.TreeItem & { children?: () => Node[]; finding?: ReportFinding };

function item(label: string, description: string, children?: () => Node[], extra: Partial<Node> = {}): Node {
  const node: Node = new vscode.TreeItem(
    label,
    children ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
  );
  node.description = description;
  node.children = children;
  Object.assign(node, extra);
  return node;
}

abstract class Tree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  constructor(protected readonly controller: Controller) {}
  refresh(): void {
    this.changed.fire();
  }
  getTreeItem(node: Node): vscode.TreeItem {
    return node;
  }
  getChildren(node?: Node): Node[] {
    return node ? (node.children?.() ?? []) : this.roots();
  }
  protected abstract roots(): Node[];
}

export class ThreadsTree extends Tree {
  protected roots(): Node[] {
    const model = this.controller.source?.model();
    if (!model) return [];
    return [...model.threads.values()]
      .sort((a, b) => a.id - b.id)
      .map((thread) => {
        const total = thread.caches.reduce((n, chain) => n + chain.length, 0);
        return item(
          `thread ${thread.id}`,
          `${total} cached${thread.exited ? ' · exited' : ''}`,
          () =>
            thread.caches.flatMap((chain, cls) =>
              chain.length
                ? [
                    item(
                      `C${cls}`,
                      `${chain.length} blocks${thread.known[cls] ? '' : ' (not exact)'}`,
                      () => {
                        const message = freelistMessage(model, thread.id, cls, 0);
                        const cache = message.chains[0];
                        const nodes = (cache?.nodes ?? [])
                          .slice(0, 16)
                          .map((node, i) =>
                            item(
                              `${i + 1}. ${hex(node.base)}`,
                              `next @+${node.nextOffset} ${node.next < 0 ? '?' : hex(node.next)}${node.error ? ` ⚠ ${node.error}` : ''}`,
                              undefined,
                              { tooltip: node.note || undefined, iconPath: new vscode.ThemeIcon(node.error ? 'error' : 'arrow-down') },
                            ),
                          );
                        if (cache && cache.total > 16) nodes.push(item(`… ${cache.total - 16} more`, ''));
                        return nodes;
                      },
                      { iconPath: new vscode.ThemeIcon('list-ordered') },
                    ),
                  ]
                : [],
            ),
          { iconPath: new vscode.ThemeIcon('pulse') },
        );
      });
  }
}

export class SuperslabsTree extends Tree {
  protected roots(): Node[] {
    const model = this.controller.source?.model();
    if (!model) return [];
    return [...model.superslabs.values()]
      .sort((a, b) => a.base - b.base)
      .map((superslab) => {
        const slabs = superslab.slabs.filter((slab) => slab !== undefined);
        return item(
          `superslab ${hex(superslab.base)}`,
          `${slabs.length} slabs bound`,
          () =>
            slabs.map((slab) =>
              item(`slab ${slab!.index}`, `C${slab!.cls} · ${slab!.used}/${slab!.capacity} used · thread ${slab!.owner}`, undefined, {
                iconPath: new vscode.ThemeIcon('symbol-array'),
                tooltip: `starts at ${hex(slab!.start)}, stride ${slab!.stride}, ${slab!.carved} carved, ${slab!.freelist.length} on the slab freelist, ${slab!.remote.length} remote-pending`,
              }),
            ),
          { iconPath: new vscode.ThemeIcon('database') },
        );
      });
  }
}

/** The source a finding points at: the user's call, else the allocator line. */
export function findingLocation(finding: ReportFinding): { file: string; line: number } | null {
  return finding.site ?? finding.internalSite;
}

export class FindingsTree extends Tree {
  protected roots(): Node[] {
    const reported = this.controller.reported;
    return FINDING_KINDS.filter((kind) => reported.some((finding) => finding.kind === kind)).map((kind) => {
      const findings = reported.filter((finding) => finding.kind === kind);
      return item(
        kind,
        `${findings.length}`,
        () =>
          findings.map((finding) => {
            const where = findingLocation(finding);
            return item(finding.message, where ? `${where.file.split('/').pop()}:${where.line}` : 'no source', undefined, {
              iconPath: new vscode.ThemeIcon(finding.severity === 'error' ? 'error' : 'warning'),
              // a finding of a trace file can be replayed from its event ("Debug from Here")
              contextValue: this.controller.traced instanceof TraceFileSource ? 'tracedFinding' : undefined,
              finding,
              tooltip: `${finding.kind} at ${finding.ptr} (class ${finding.class}, thread ${finding.thread}, event ${finding.event})`,
              command: where ? { command: Command.openSource, title: 'Open Source', arguments: [where.file, where.line] } : undefined,
            });
          }),
        { iconPath: new vscode.ThemeIcon(findings[0]!.severity === 'error' ? 'bug' : 'warning') },
      ); // a kind listed has a finding
    });
  }
}

/** The three views, refreshed as the source changes (Findings only when the findings do). */
export function registerTrees(ctx: SlabscopeContext): void {
  const { controller } = ctx;
  const threads = new ThreadsTree(controller),
    superslabs = new SuperslabsTree(controller),
    findings = new FindingsTree(controller);
  ctx.push(
    controller.onDidChange((what) => {
      if (what === 'findings' || what === 'source') findings.refresh();
      threads.refresh();
      superslabs.refresh();
    }),
    vscode.window.registerTreeDataProvider(View.threads, threads),
    vscode.window.registerTreeDataProvider(View.superslabs, superslabs),
    vscode.window.registerTreeDataProvider(View.findings, findings),
  );
}
