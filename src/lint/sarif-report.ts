/** SARIF 2.1.0 (OASIS), the format code-scanning services ingest: one run, the enabled rules, one result per finding. */
import type { LintResult, Severity } from './lint.types.ts';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

type SarifLevel = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: {
      driver: {
        name: string;
        version: string;
        rules: Array<{ id: string; name: string; shortDescription: { text: string }; defaultConfiguration: { level: SarifLevel } }>;
      };
    };
    artifacts: Array<{ location: { uri: string } }>;
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: SarifLevel;
      message: { text: string };
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string; index: number }; region: { startLine: number; endLine: number } } }>;
      properties: { fix: string };
    }>;
  }>;
}

/** `uri` is the Dockerfile's path relative to the working directory (forward slashes), as SARIF viewers expect. */
export function toSarif(result: LintResult, uri: string, version: string): SarifLog {
  const rules = result.rules.map((r) => ({
    id: r.id,
    // SARIF's `name` is PascalCase by convention: base-image-latest -> BaseImageLatest.
    name: r.id.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase()),
    shortDescription: { text: r.title },
    defaultConfiguration: { level: LEVEL[r.severity] },
  }));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'berth-lint', version, rules } },
        artifacts: [{ location: { uri } }],
        results: result.findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: rules.findIndex((r) => r.id === f.ruleId),
          level: LEVEL[f.severity],
          message: { text: `${f.message}. Fix: ${f.fix}` },
          locations: [{ physicalLocation: { artifactLocation: { uri, index: 0 }, region: { startLine: f.range.start, endLine: f.range.end } } }],
          properties: { fix: f.fix },
        })),
      },
    ],
  };
}
