// source-server.ts — what the editor tells the language server at start
// (initializationOptions): the defines #if and INJECT-style constants are
// evaluated with, and the label its diagnostics carry. Declared once here for
// the host that sends it and the server that validates it.

export interface SourceServerOptions {
  /** NAME → integer value, as `-DNAME=value` would give */
  readonly defines: Readonly<Record<string, number>>;
}

/** The diagnostics' source label; runtime findings carry 'Slabscope', so the two stay apart in Problems. */
export const SOURCE_DIAGNOSTIC_LABEL = 'Slabscope source';

export class SourceServerOptionsError extends Error {
  override readonly name = 'SourceServerOptionsError';
}

/** Validates initializationOptions; absent means none. Throws naming the field. */
export function parseSourceServerOptions(value: unknown): SourceServerOptions {
  if (value === undefined || value === null) return { defines: {} };
  if (typeof value !== 'object' || Array.isArray(value)) throw new SourceServerOptionsError('initializationOptions must be an object');
  const defines = (value as Record<string, unknown>).defines ?? {};
  if (typeof defines !== 'object' || defines === null || Array.isArray(defines))
    throw new SourceServerOptionsError('initializationOptions.defines must be an object of NAME: integer');
  for (const [name, define] of Object.entries(defines)) {
    if (!/^[A-Za-z_]\w*$/.test(name))
      throw new SourceServerOptionsError(`initializationOptions.defines: ${JSON.stringify(name)} is no C identifier`);
    if (typeof define !== 'number' || !Number.isInteger(define))
      throw new SourceServerOptionsError(`initializationOptions.defines.${name} must be an integer, got ${JSON.stringify(define)}`);
  }
  return { defines: defines as Record<string, number> };
}

/** The runtime findings that are BASE/USER misuse, which the source analysis should have flagged. */
export const BASE_USER_FINDING_KINDS: readonly string[] = ['base-as-user', 'interior-free'];

/** A place, 1-based line */
export interface SourceLine {
  readonly file: string;
  readonly line: number;
}

/**
 * The runtime BASE/USER findings on a line where the source analysis said nothing: what
 * the analysis missed. `flagged` are the lines it flagged, in the files it analysed.
 */
export function missedByAnalysis<F extends SourceLine & { readonly kind: string }>(
  findings: readonly F[],
  flagged: readonly SourceLine[],
): F[] {
  const lines = new Set(flagged.map((at) => `${at.file}:${at.line}`));
  return findings.filter((finding) => BASE_USER_FINDING_KINDS.includes(finding.kind) && !lines.has(`${finding.file}:${finding.line}`));
}
