// source-sarif.ts — check-source's diagnostics as SARIF 2.1.0: one result per
// diagnostic, its rule the diagnostic's code, its place a physicalLocation with
// a 1-based region, and its quick fix as a SARIF fix.
import { relative } from 'node:path';
import type { SourceDiagnostic, SourceDiagnosticCode, SourceRange } from '../analysis';

const RULES: Record<SourceDiagnosticCode, string> = {
  'user-as-base': 'A USER pointer is passed where a BASE pointer is expected.',
  'base-as-user': 'A BASE pointer is passed where a USER pointer is expected.',
  'interior-pointer': 'A pointer into the middle of a block is passed or named as BASE or USER.',
  'name-disagrees': 'A variable named BASE or USER is given the other kind of pointer.',
  'raw-next-pointer': 'A freelist link is read or written outside the layout module.',
  'next-offset': "A next-pointer offset disagrees with the layout description's for its class.",
};

const region = (range: SourceRange) => ({
  startLine: range.start.line + 1,
  startColumn: range.start.character + 1,
  endLine: range.end.line + 1,
  endColumn: range.end.character + 1,
});

export function sourceSarif(found: readonly SourceDiagnostic[], cwd: string, toolVersion: string): object {
  const codes = Object.keys(RULES) as SourceDiagnosticCode[];
  const uri = (file: string) => relative(cwd, file).split('\\').join('/');
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'slabscope-source',
            version: toolVersion,
            rules: codes.map((id) => ({ id, shortDescription: { text: RULES[id] } })),
          },
        },
        results: found.map((d) => ({
          ruleId: d.code,
          ruleIndex: codes.indexOf(d.code),
          level: d.severity === 'error' ? 'error' : 'warning',
          message: { text: d.message },
          locations: [{ physicalLocation: { artifactLocation: { uri: uri(d.file) }, region: region(d.range) } }],
          ...(d.fix
            ? {
                fixes: [
                  {
                    description: { text: d.fix.title },
                    artifactChanges: [
                      {
                        artifactLocation: { uri: uri(d.file) },
                        replacements: d.fix.edits.map((e) => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })),
                      },
                    ],
                  },
                ],
              }
            : {}),
        })),
      },
    ],
  };
}
