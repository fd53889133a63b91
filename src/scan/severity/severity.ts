/**
 * A vulnerability's severity: computed from CVSS v4.0 or v3.x vectors when the record has one, otherwise
 * taken from the database's own words (GHSA `severity`, Debian urgency, Ubuntu priority, Red Hat impact).
 */
import type { OsvAffected, OsvRecord, OsvSeverity } from '../osv/osv-record.schema.ts';
import { cvss3BaseScore } from './cvss3.ts';
import { cvss4Score } from './cvss4.ts';

export type SeverityRating = 'none' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITY_ORDER: readonly SeverityRating[] = ['none', 'low', 'medium', 'high', 'critical'];

export interface Severity {
  rating: SeverityRating | 'unknown';
  /** The CVSS score when computed from a vector. */
  score?: number;
  source: 'CVSS_V4' | 'CVSS_V3' | 'Ubuntu' | 'database_specific' | 'none';
  vector?: string;
}

/** CVSS qualitative rating scale (v3.1 section 5, v4.0 section 6): 0 none, 0.1-3.9 low, ... 9.0-10 critical. */
export function ratingOfScore(score: number): SeverityRating {
  if (score <= 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

// The words databases use, lower-cased: GHSA (moderate), Debian urgency (unimportant, not yet assigned),
// Ubuntu priority (negligible), Red Hat (important), Alpine/others (the plain scale).
const WORDS: Record<string, SeverityRating | 'unknown'> = {
  none: 'none',
  negligible: 'low',
  unimportant: 'low',
  low: 'low',
  'low*': 'low',
  moderate: 'medium',
  medium: 'medium',
  'medium*': 'medium',
  important: 'high',
  high: 'high',
  'high*': 'high',
  critical: 'critical',
  'not yet assigned': 'unknown',
  unknown: 'unknown',
};

/** A database's severity word as a rating; undefined when the word is not one Berth knows. */
export function ratingOfWord(word: string): SeverityRating | 'unknown' | undefined {
  return WORDS[word.trim().toLowerCase()];
}

function fromScores(entries: readonly OsvSeverity[]): Severity | undefined {
  for (const type of ['CVSS_V4', 'CVSS_V3'] as const) {
    for (const e of entries.filter((x) => x.type === type)) {
      const r = type === 'CVSS_V4' ? cvss4Score(e.score) : cvss3BaseScore(e.score);
      if (r.ok) return { rating: ratingOfScore(r.value.baseScore), score: r.value.baseScore, source: type, vector: e.score };
    }
  }
  const ubuntu = entries.find((x) => x.type === 'Ubuntu' && ratingOfWord(x.score) !== undefined);
  if (ubuntu) return { rating: ratingOfWord(ubuntu.score)!, source: 'Ubuntu' };
  return undefined;
}

function fromDatabaseSpecific(value: unknown): SeverityRating | 'unknown' | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const obj = value as Record<string, unknown>;
  for (const key of ['severity', 'urgency', 'priority', 'impact']) {
    const v = obj[key];
    if (typeof v === 'string' && ratingOfWord(v) !== undefined) return ratingOfWord(v);
  }
  return undefined;
}

/**
 * The severity of `record`, optionally for one of its `affected` entries (whose own severity, when present,
 * takes precedence as the OSV schema says). Prefers CVSS v4.0 over v3.x vectors, then Ubuntu's priority, then
 * database_specific words of the affected entry and then the record. Never throws; unparseable vectors are
 * skipped.
 */
export function recordSeverity(record: OsvRecord, affected?: OsvAffected): Severity {
  const computed = fromScores(affected?.severity ?? []) ?? fromScores(record.severity ?? []);
  if (computed) return computed;
  const word = fromDatabaseSpecific(affected?.ecosystem_specific) ?? fromDatabaseSpecific(affected?.database_specific) ?? fromDatabaseSpecific(record.database_specific);
  if (word !== undefined) return { rating: word, source: 'database_specific' };
  return { rating: 'unknown', source: 'none' };
}
