// projects.ts — C files grouped by the project file that governs each (the
// nearest slabscope-source.json above it), one workspace per group, so one
// editor window or one check-source run can hold several allocators with their
// own layouts. A project file that cannot be read is reported once and its
// files are analysed with the contracts the source itself spells.
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { cFilesUnder } from './files';
import type { CParser } from './c-parser';
import type { SourceDiagnostic, SourcePosition, SourceRange } from './diagnostic';
import { emptyConfig, findProjectFile, loadProjectFile, type SourceConfig } from './project';
import { SourceWorkspace } from './workspace';

export class SourceProjects {
  private readonly workspaces = new Map<string, SourceWorkspace>();
  private readonly projectOfDir = new Map<string, string>();
  private readonly fileProject = new Map<string, string>();

  constructor(
    private readonly parser: CParser,
    private defines: ReadonlyMap<string, number>,
    private readonly onError: (message: string) => void,
  ) {}

  private configFor(project: string): SourceConfig {
    const base = { ...emptyConfig, defines: new Map(this.defines) };
    if (!project) return base;
    try {
      const config = loadProjectFile(project, base);
      return { ...config, defines: new Map([...config.defines, ...this.defines]) };
    } catch (error) {
      this.onError(`${(error as Error).message}; its files are checked without it`);
      return base;
    }
  }

  private projectOf(path: string): string {
    const dir = dirname(path);
    let project = this.projectOfDir.get(dir);
    if (project === undefined) this.projectOfDir.set(dir, (project = findProjectFile(path) ?? ''));
    return project;
  }

  workspaceOf(path: string): SourceWorkspace {
    const project = this.fileProject.get(path) ?? this.projectOf(path);
    let workspace = this.workspaces.get(project);
    if (!workspace) {
      const config = this.configFor(project);
      this.workspaces.set(project, (workspace = new SourceWorkspace(this.parser, config)));
      this.readSources(workspace, config);
    }
    return workspace;
  }

  /** the project file's `sources`, read into its workspace for their contracts */
  private readSources(workspace: SourceWorkspace, config: SourceConfig): void {
    for (const source of config.sources) {
      let files: string[];
      try {
        files = statSync(source).isDirectory() ? cFilesUnder(source) : [source];
      } catch (error) {
        this.onError(`sources: ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        continue;
      }
      for (const file of files) if (!workspace.paths.includes(file)) workspace.setFile(file, readFileSync(file, 'utf8'));
    }
  }

  setFile(path: string, text: string): void {
    this.fileProject.set(path, this.projectOf(path));
    this.workspaceOf(path).setFile(path, text);
  }

  /** `path` is open in an editor: keep its parse tree for the edits to come */
  keepTree(path: string): void {
    this.workspaceOf(path).keepTree(path);
  }

  removeFile(path: string): void {
    this.workspaceOf(path).removeFile(path);
    this.fileProject.delete(path);
  }

  has(path: string): boolean {
    return this.fileProject.has(path);
  }

  /** New defines for every project (the editor's setting changed), or a project file edited: contracts read again. */
  reload(defines: ReadonlyMap<string, number> = this.defines): void {
    this.defines = defines;
    this.projectOfDir.clear();
    for (const [project, workspace] of this.workspaces) {
      const config = this.configFor(project);
      workspace.setConfig(config);
      this.readSources(workspace, config);
    }
  }

  diagnostics(path: string): SourceDiagnostic[] {
    return this.workspaceOf(path).diagnostics(path);
  }

  hover(path: string, at: SourcePosition): { range: SourceRange; text: string } | null {
    return this.workspaceOf(path).hover(path, at);
  }

  /** every file of the projects `path`'s project shares a workspace with (its diagnostics may change with `path`) */
  neighbours(path: string): string[] {
    return this.workspaceOf(path).paths;
  }
}
