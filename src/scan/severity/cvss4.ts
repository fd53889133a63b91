/**
 * CVSS v4.0 scores from vector strings by the specification's MacroVector method (FIRST CVSS v4.0, section 8.2,
 * as the reference calculator implements it): the vector's MacroVector EQ1..EQ6 gives the score of its
 * highest-severity vector from the lookup table, lowered by the mean proportional distance of the vector
 * from that highest vector towards the next lower MacroVector. Threat and environmental metrics, when the
 * vector has them, take part as the specification says (a base-only vector gives the CVSS-B score).
 */
import { fail, ok, type ParseResult } from '../versions/version-scheme.ts';
import { parseCvssMetrics } from './cvss-vector.ts';
import { CVSS4_MACROVECTOR_SCORES } from './cvss4-lookup.ts';

const ALLOWED: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'], AC: ['L', 'H'], AT: ['N', 'P'], PR: ['N', 'L', 'H'], UI: ['N', 'P', 'A'],
  VC: ['H', 'L', 'N'], VI: ['H', 'L', 'N'], VA: ['H', 'L', 'N'], SC: ['H', 'L', 'N'], SI: ['H', 'L', 'N'], SA: ['H', 'L', 'N'],
  E: ['X', 'A', 'P', 'U'],
  CR: ['X', 'H', 'M', 'L'], IR: ['X', 'H', 'M', 'L'], AR: ['X', 'H', 'M', 'L'],
  MAV: ['X', 'N', 'A', 'L', 'P'], MAC: ['X', 'L', 'H'], MAT: ['X', 'N', 'P'], MPR: ['X', 'N', 'L', 'H'], MUI: ['X', 'N', 'P', 'A'],
  MVC: ['X', 'H', 'L', 'N'], MVI: ['X', 'H', 'L', 'N'], MVA: ['X', 'H', 'L', 'N'], MSC: ['X', 'H', 'L', 'N'], MSI: ['X', 'S', 'H', 'L', 'N'], MSA: ['X', 'S', 'H', 'L', 'N'],
  S: ['X', 'N', 'P'], AU: ['X', 'N', 'Y'], R: ['X', 'A', 'U', 'I'], V: ['X', 'D', 'C'], RE: ['X', 'L', 'M', 'H'], U: ['X', 'Clear', 'Green', 'Amber', 'Red'],
};
const BASE = ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'];

// Severity levels of each metric value, in steps of 0.1, used for the distance from the highest vector.
const LEVELS: Record<string, Record<string, number>> = {
  AV: { N: 0.0, A: 0.1, L: 0.2, P: 0.3 }, PR: { N: 0.0, L: 0.1, H: 0.2 }, UI: { N: 0.0, P: 0.1, A: 0.2 },
  AC: { L: 0.0, H: 0.1 }, AT: { N: 0.0, P: 0.1 },
  VC: { H: 0.0, L: 0.1, N: 0.2 }, VI: { H: 0.0, L: 0.1, N: 0.2 }, VA: { H: 0.0, L: 0.1, N: 0.2 },
  SC: { H: 0.1, L: 0.2, N: 0.3 }, SI: { S: 0.0, H: 0.1, L: 0.2, N: 0.3 }, SA: { S: 0.0, H: 0.1, L: 0.2, N: 0.3 },
  CR: { H: 0.0, M: 0.1, L: 0.2 }, IR: { H: 0.0, M: 0.1, L: 0.2 }, AR: { H: 0.0, M: 0.1, L: 0.2 },
  E: { U: 0.2, P: 0.1, A: 0 },
};

// The highest-severity vectors of each EQ level (EQ3 and EQ6 jointly).
const MAX_EQ1: string[][] = [['AV:N/PR:N/UI:N/'], ['AV:A/PR:N/UI:N/', 'AV:N/PR:L/UI:N/', 'AV:N/PR:N/UI:P/'], ['AV:P/PR:N/UI:N/', 'AV:A/PR:L/UI:P/']];
const MAX_EQ2: string[][] = [['AC:L/AT:N/'], ['AC:H/AT:N/', 'AC:L/AT:P/']];
const MAX_EQ3EQ6: Record<string, string[]> = {
  '00': ['VC:H/VI:H/VA:H/CR:H/IR:H/AR:H/'],
  '01': ['VC:H/VI:H/VA:L/CR:M/IR:M/AR:H/', 'VC:H/VI:H/VA:H/CR:M/IR:M/AR:M/'],
  '10': ['VC:L/VI:H/VA:H/CR:H/IR:H/AR:H/', 'VC:H/VI:L/VA:H/CR:H/IR:H/AR:H/'],
  '11': ['VC:L/VI:H/VA:L/CR:H/IR:M/AR:H/', 'VC:L/VI:H/VA:H/CR:H/IR:M/AR:M/', 'VC:H/VI:L/VA:H/CR:M/IR:H/AR:M/', 'VC:H/VI:L/VA:L/CR:M/IR:H/AR:H/', 'VC:L/VI:L/VA:H/CR:H/IR:H/AR:M/'],
  '21': ['VC:L/VI:L/VA:L/CR:H/IR:H/AR:H/'],
};
const MAX_EQ4: string[][] = [['SC:H/SI:S/SA:S/'], ['SC:H/SI:H/SA:H/'], ['SC:L/SI:L/SA:L/']];
const MAX_EQ5: string[][] = [['E:A/'], ['E:P/'], ['E:U/']];
// The depth of each MacroVector (its largest severity distance + 1), in steps.
const DEPTH_EQ1 = [1, 4, 5];
const DEPTH_EQ2 = [1, 2];
const DEPTH_EQ3EQ6: Record<string, number> = { '00': 7, '01': 6, '10': 8, '11': 8, '21': 10 };
const DEPTH_EQ4 = [6, 5, 4];

/** The value a metric takes for scoring: the modified (M*) metric when set, worst-case defaults for X. */
function effective(m: Record<string, string>, metric: string): string {
  const value = m[metric] ?? 'X';
  if (value === 'X' && metric === 'E') return 'A';
  if (value === 'X' && (metric === 'CR' || metric === 'IR' || metric === 'AR')) return 'H';
  const modified = m[`M${metric}`];
  if (modified !== undefined && modified !== 'X') return modified;
  return value;
}

export function cvss4MacroVector(m: Record<string, string>): string {
  const e = (k: string): string => effective(m, k);
  const [av, pr, ui] = [e('AV'), e('PR'), e('UI')];
  const eq1 = av === 'N' && pr === 'N' && ui === 'N' ? 0 : (av === 'N' || pr === 'N' || ui === 'N') && av !== 'P' ? 1 : 2;
  const eq2 = e('AC') === 'L' && e('AT') === 'N' ? 0 : 1;
  const [vc, vi, va] = [e('VC'), e('VI'), e('VA')];
  const eq3 = vc === 'H' && vi === 'H' ? 0 : vc === 'H' || vi === 'H' || va === 'H' ? 1 : 2;
  const eq4 = e('MSI') === 'S' || e('MSA') === 'S' ? 0 : e('SC') === 'H' || e('SI') === 'H' || e('SA') === 'H' ? 1 : 2;
  const eq5 = { A: 0, P: 1, U: 2 }[e('E')]!;
  const eq6 = (e('CR') === 'H' && vc === 'H') || (e('IR') === 'H' && vi === 'H') || (e('AR') === 'H' && va === 'H') ? 0 : 1;
  return `${eq1}${eq2}${eq3}${eq4}${eq5}${eq6}`;
}

function metricOf(maxVector: string, metric: string): string {
  const m = new RegExp(`(?:^|/)${metric}:([^/]+)`).exec(maxVector);
  return m![1]!;
}

/**
 * Half up to one decimal, lifting by a small epsilon first as the reference calculator does since its
 * 2024-11 fix: the interpolation in floating point can land one ulp below an exact x.x5 tie.
 */
function round1(x: number): number {
  return parseFloat((Math.round((x + 1e-6) * 10) / 10).toFixed(1));
}

function scoreOf(m: Record<string, string>): number {
  if (['VC', 'VI', 'VA', 'SC', 'SI', 'SA'].every((k) => effective(m, k) === 'N')) return 0;
  const macro = cvss4MacroVector(m);
  const value = CVSS4_MACROVECTOR_SCORES.get(macro)!;
  const [eq1, eq2, eq3, eq4, eq5, eq6] = macro.split('').map(Number) as [number, number, number, number, number, number];
  const at = (d1: number, d2: number, d3: number, d4: number, d5: number, d6: number): number | undefined =>
    CVSS4_MACROVECTOR_SCORES.get(`${eq1 + d1}${eq2 + d2}${eq3 + d3}${eq4 + d4}${eq5 + d5}${eq6 + d6}`);
  const lowerEq1 = at(1, 0, 0, 0, 0, 0);
  const lowerEq2 = at(0, 1, 0, 0, 0, 0);
  let lowerEq3Eq6: number | undefined;
  if (eq3 === 0 && eq6 === 0) {
    const left = at(0, 0, 0, 0, 0, 1);
    const right = at(0, 0, 1, 0, 0, 0);
    lowerEq3Eq6 = left === undefined || right === undefined ? undefined : Math.max(left, right);
  } else if (eq3 === 1 && eq6 === 0) lowerEq3Eq6 = at(0, 0, 0, 0, 0, 1);
  else if (eq3 === 2 && eq6 === 1) lowerEq3Eq6 = at(0, 0, 1, 0, 0, 1);
  else lowerEq3Eq6 = at(0, 0, 1, 0, 0, 0);
  const lowerEq4 = at(0, 0, 0, 1, 0, 0);
  const lowerEq5 = at(0, 0, 0, 0, 1, 0);

  // The first highest-severity vector of this MacroVector that the scored vector does not exceed anywhere.
  const key36 = `${eq3}${eq6}`;
  let distances: Record<string, number> | undefined;
  search: for (const a of MAX_EQ1[eq1]!) for (const b of MAX_EQ2[eq2]!) for (const c of MAX_EQ3EQ6[key36]!) for (const d of MAX_EQ4[eq4]!) for (const f of MAX_EQ5[eq5]!) {
    const max = a + b + c + d + f;
    const dist: Record<string, number> = {};
    for (const metric of Object.keys(LEVELS)) dist[metric] = LEVELS[metric]![effective(m, metric)]! - LEVELS[metric]![metricOf(max, metric)]!;
    distances = dist;
    if (Object.values(dist).every((x) => x >= 0)) break search;
  }
  const d = distances!;
  const current = [d['AV']! + d['PR']! + d['UI']!, d['AC']! + d['AT']!, d['VC']! + d['VI']! + d['VA']! + d['CR']! + d['IR']! + d['AR']!, d['SC']! + d['SI']! + d['SA']!];
  const depth = [DEPTH_EQ1[eq1]! * 0.1, DEPTH_EQ2[eq2]! * 0.1, DEPTH_EQ3EQ6[key36]! * 0.1, DEPTH_EQ4[eq4]! * 0.1];
  const lower = [lowerEq1, lowerEq2, lowerEq3Eq6, lowerEq4];
  let existing = 0;
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    const l = lower[i];
    if (l === undefined) continue;
    existing++;
    sum += (value - l) * (current[i]! / depth[i]!);
  }
  // EQ5 counts as an existing lower MacroVector with a proportional distance of 0.
  if (lowerEq5 !== undefined) existing++;
  const mean = existing === 0 ? 0 : sum / existing;
  return round1(Math.max(0, Math.min(10, value - mean)));
}

export interface Cvss4Score {
  baseScore: number;
  macroVector: string;
  metrics: Record<string, string>;
}

export function cvss4Score(vector: string): ParseResult<Cvss4Score> {
  const parsed = parseCvssMetrics(vector, 'CVSS:4.0', ALLOWED, BASE);
  if (!parsed.ok) return fail(parsed.error);
  const m = parsed.value;
  return ok({ baseScore: scoreOf(m), macroVector: cvss4MacroVector(m), metrics: m });
}
