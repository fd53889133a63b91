import { aliasIds, evaluateRecord } from '../osv/affected.ts';
import { osEcosystem } from '../osv/ecosystem.ts';
import type { OsvRecord } from '../osv/osv-record.schema.ts';
import { recordSeverity } from '../severity/severity.ts';
import type { Inventory } from '../inventory/inventory.ts';
import type { VulnerabilityFinding, VulnerabilityMatcher } from '../match/vulnerability-matcher.ts';
import { testImage, type TestImageBuilder } from '../../../test/helpers/test-image.ts';

/**
 * Test support for registry scanning: Debian images from hand-written dpkg status files, OSV records written
 * for the test, and a small matcher over them (the VulnerabilityMatcher contract, evaluated with
 * src/scan/osv/affected.ts) whose data a test replaces to simulate an import.
 */

export interface DebPackage {
  name: string;
  version: string;
  /** `Source:` line (name, or `name (version)`). */
  source?: string;
}

export function dpkgStatus(packages: readonly DebPackage[]): string {
  return packages.map((p) => [
    `Package: ${p.name}`,
    'Status: install ok installed',
    'Architecture: amd64',
    ...(p.source ? [`Source: ${p.source}`] : []),
    `Version: ${p.version}`,
    '',
  ].join('\n')).join('\n');
}

/** A Debian 12 image with these packages in /var/lib/dpkg/status, plus `extra` files in a second layer. */
export function debianImage(packages: readonly DebPackage[], extra: Record<string, string> = { 'app/run.sh': 'echo hi\n' }): TestImageBuilder {
  return testImage()
    .layer({ 'etc/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n', 'var/lib/dpkg/status': dpkgStatus(packages) })
    .layer(extra);
}

export interface RecordSpec {
  id: string;
  aliases?: string[];
  /** Debian source package name. */
  pkg: string;
  /** First fixed version (omitted: every version affected). */
  fixed?: string;
  /** A CVSS v3.1 vector or a database severity word (`high`). */
  severity: string;
  /** RFC 3339; default 2020-01-01. */
  published?: string;
}

export function osvRecord(spec: RecordSpec): OsvRecord {
  const isVector = spec.severity.startsWith('CVSS:');
  return {
    id: spec.id,
    modified: '2026-01-01T00:00:00Z',
    published: spec.published ?? '2020-01-01T00:00:00Z',
    aliases: spec.aliases ?? [],
    summary: `${spec.id} in ${spec.pkg}`,
    ...(isVector ? { severity: [{ type: 'CVSS_V3', score: spec.severity }] } : { database_specific: { severity: spec.severity } }),
    affected: [{
      package: { ecosystem: 'Debian:12', name: spec.pkg },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(spec.fixed ? [{ fixed: spec.fixed }] : [])] }],
    }],
  } as OsvRecord;
}

/** CVSS v3.1 vectors with a known rating. */
export const CVSS = {
  critical: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  high: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N',
  medium: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:L/A:N',
  low: 'CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N',
} as const;

/** An in-memory VulnerabilityMatcher over OSV records; `replace` is an import that changed the data. */
export class MemoryMatcher implements VulnerabilityMatcher {
  private rev = 1;
  private readonly listeners = new Set<(revision: string) => void>();
  /** How many inventories were matched (re-matching must not re-read layers: the pool counts those). */
  matches = 0;

  constructor(private records: OsvRecord[] = []) {}

  replace(records: OsvRecord[]): void {
    this.records = records;
    this.rev++;
    for (const l of this.listeners) l(String(this.rev));
  }

  async revision(): Promise<string> {
    return String(this.rev);
  }

  onChange(listener: (revision: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async match(inventory: Inventory): Promise<VulnerabilityFinding[]> {
    this.matches++;
    const os = inventory.os && osEcosystem({ id: inventory.os.id, ...(inventory.os.versionId ? { versionId: inventory.os.versionId } : {}) });
    const findings: VulnerabilityFinding[] = [];
    for (const pkg of inventory.packages) {
      if (pkg.ecosystem !== 'deb' || !os) continue;
      const name = pkg.sourceName ?? pkg.name;
      const version = pkg.sourceVersion ?? pkg.version;
      for (const record of this.records) {
        const verdict = evaluateRecord(record, { ...os, name, version });
        if (verdict.status !== 'affected') continue;
        const severity = recordSeverity(record, verdict.affected);
        const fixed = (verdict.range?.events ?? []).flatMap((e) => ('fixed' in e && typeof e.fixed === 'string' ? [e.fixed] : []));
        findings.push({
          id: record.id,
          aliases: aliasIds(record).slice(1),
          ...(record.summary ? { summary: record.summary } : {}),
          package: { ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version, purl: pkg.purl, ...(pkg.sourceName ? { source: { name, version } } : {}) },
          severity: severity.rating === 'unknown' ? 'none' : severity.rating,
          ...(severity.score !== undefined ? { score: severity.score } : {}),
          fixedVersions: fixed,
          ...(record.published ? { published: record.published } : {}),
          modified: record.modified,
        });
      }
    }
    return findings;
  }
}
