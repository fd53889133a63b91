/**
 * How an OSV record is filed in the database: its source feed, the (ecosystem, package) keys matching looks it
 * up by, and its aliases. Pure.
 */
import type { AdvisoryInput } from '../../meta/vulndb.repo.ts';
import { normalizePackageName, parseEcosystem } from '../osv/ecosystem.ts';
import type { OsvRecord } from '../osv/osv-record.schema.ts';

/** The key matching uses for an ecosystem: its base, lower-cased (`Debian:12` and `Debian` share `debian`). */
export function ecosystemKey(ecosystem: string): string {
  return parseEcosystem(ecosystem).base.toLowerCase();
}

/** The feed a record belongs to: its first affected ecosystem's base as OSV spells it, else `unknown`. */
export function sourceOf(record: OsvRecord): string {
  const first = record.affected?.find((a) => a.package?.ecosystem)?.package?.ecosystem;
  return first ? parseEcosystem(first).base : 'unknown';
}

export function toAdvisoryInput(record: OsvRecord, source: string = sourceOf(record)): AdvisoryInput {
  const affected = (record.affected ?? []).flatMap((a) => (a.package ? [{ ecosystem: ecosystemKey(a.package.ecosystem), package: normalizePackageName(a.package.ecosystem, a.package.name) }] : []));
  return {
    id: record.id,
    source,
    modified: record.modified,
    withdrawn: record.withdrawn ?? null,
    recordJson: JSON.stringify(record),
    affected,
    aliases: [...new Set([...(record.aliases ?? []), ...(record.upstream ?? [])])],
  };
}
