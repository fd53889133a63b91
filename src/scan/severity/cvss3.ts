/** CVSS v3.0 and v3.1 base scores from vector strings (FIRST CVSS v3.1 specification, section 7). */
import { fail, ok, type ParseResult } from '../versions/version-scheme.ts';
import { parseCvssMetrics } from './cvss-vector.ts';

const X = ['X'];
const ALLOWED: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'R'],
  S: ['U', 'C'],
  C: ['H', 'L', 'N'],
  I: ['H', 'L', 'N'],
  A: ['H', 'L', 'N'],
  // Temporal and environmental metrics are allowed in a vector but do not change the base score.
  E: [...X, 'U', 'P', 'F', 'H'],
  RL: [...X, 'O', 'T', 'W', 'U'],
  RC: [...X, 'U', 'R', 'C'],
  CR: [...X, 'L', 'M', 'H'],
  IR: [...X, 'L', 'M', 'H'],
  AR: [...X, 'L', 'M', 'H'],
  MAV: [...X, 'N', 'A', 'L', 'P'],
  MAC: [...X, 'L', 'H'],
  MPR: [...X, 'N', 'L', 'H'],
  MUI: [...X, 'N', 'R'],
  MS: [...X, 'U', 'C'],
  MC: [...X, 'N', 'L', 'H'],
  MI: [...X, 'N', 'L', 'H'],
  MA: [...X, 'N', 'L', 'H'],
};
const BASE = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'];

const AV: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const AC: Record<string, number> = { L: 0.77, H: 0.44 };
const UI: Record<string, number> = { N: 0.85, R: 0.62 };
const CIA: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };

function privilegesRequired(pr: string, scopeChanged: boolean): number {
  if (pr === 'N') return 0.85;
  if (pr === 'L') return scopeChanged ? 0.68 : 0.62;
  return scopeChanged ? 0.5 : 0.27;
}

/** CVSS 3.1's Roundup (Appendix A): the smallest one-decimal number >= x, immune to floating-point noise. */
export function roundup31(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

/** CVSS 3.0's round up: plain ceiling to one decimal. */
export function roundup30(x: number): number {
  return Math.ceil(x * 10) / 10;
}

export interface Cvss3Score {
  version: '3.0' | '3.1';
  baseScore: number;
  metrics: Record<string, string>;
}

export function cvss3BaseScore(vector: string): ParseResult<Cvss3Score> {
  const version = vector.trim().startsWith('CVSS:3.0/') ? '3.0' : vector.trim().startsWith('CVSS:3.1/') ? '3.1' : undefined;
  if (version === undefined) return fail(`not a CVSS v3 vector: ${JSON.stringify(vector.slice(0, 120))}`);
  const parsed = parseCvssMetrics(vector, `CVSS:${version}`, ALLOWED, BASE);
  if (!parsed.ok) return parsed;
  const m = parsed.value;
  const changed = m['S'] === 'C';
  const iss = 1 - (1 - CIA[m['C']!]!) * (1 - CIA[m['I']!]!) * (1 - CIA[m['A']!]!);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability = 8.22 * AV[m['AV']!]! * AC[m['AC']!]! * privilegesRequired(m['PR']!, changed) * UI[m['UI']!]!;
  const roundup = version === '3.1' ? roundup31 : roundup30;
  const baseScore = impact <= 0 ? 0 : roundup(Math.min(changed ? 1.08 * (impact + exploitability) : impact + exploitability, 10));
  return ok({ version, baseScore, metrics: m });
}
