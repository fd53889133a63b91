/**
 * Test support for the version schemes: a seeded random source so property tests are reproducible, and
 * runners that ask the ecosystems' real tools (dpkg, rpm, Python's packaging, RubyGems, Maven's
 * ComparableVersion) to compare many pairs in one process. A missing tool fails the test; it never skips.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ordering } from './version-scheme.ts';

export type Pair = readonly [string, string];
/** A tool's verdict: an ordering, or 'error' when the tool refuses one of the versions. */
export type Verdict = Ordering | 'error';

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seeded(seed: number): Random {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

export interface Random {
  next(): number;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/**
 * `count` pairs from `gen`: a third fully independent, a third a version against a slight variation of itself,
 * a third a version against itself rebuilt by `gen` with the same seed offset (equal or nearly so), so the
 * interesting near-equal cases are well represented.
 */
export function pairsFrom(r: Random, count: number, gen: (r: Random) => string, mutate: (r: Random, v: string) => string): Pair[] {
  const pairs: Pair[] = [];
  for (let i = 0; i < count; i++) {
    const a = gen(r);
    const kind = i % 3;
    const b = kind === 0 ? gen(r) : kind === 1 ? mutate(r, a) : mutate(r, mutate(r, a));
    pairs.push([a, b]);
  }
  return pairs;
}

function run(cmd: string, args: string[], input: string, what: string): string {
  const res = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(!res.error, `${what}: cannot run ${cmd} (${res.error?.message}); install it (see the report's Debian package list)`);
  assert.equal(res.status, 0, `${what}: ${cmd} exited ${res.status}: ${res.stderr.slice(0, 2000)}`);
  return res.stdout;
}

function parseVerdicts(out: string, n: number, what: string): Verdict[] {
  const lines = out.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, n, `${what}: expected ${n} verdicts, got ${lines.length}`);
  return lines.map((l) => (l === 'E' ? 'error' : (Math.sign(Number(l)) as Ordering)));
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `dpkg --compare-versions`, one shell for all pairs; exit status 2 (bad syntax) becomes 'error'. */
export function dpkgVerdicts(pairs: readonly Pair[]): Verdict[] {
  const script = pairs
    .map(([a, b]) => `dpkg --compare-versions ${shq(a)} lt ${shq(b)} 2>/dev/null; r=$?; if [ $r = 0 ]; then echo -1; elif [ $r = 2 ]; then echo E; else dpkg --compare-versions ${shq(a)} eq ${shq(b)} 2>/dev/null && echo 0 || echo 1; fi`)
    .join('\n');
  return parseVerdicts(run('bash', ['-s'], script, 'dpkg'), pairs.length, 'dpkg');
}

/** rpm's own `rpm.vercmp` (rpmverCmp on full [epoch:]version[-release] strings), through `rpm --eval` Lua. */
export function rpmVerdicts(pairs: readonly Pair[]): Verdict[] {
  const dir = mkdtempSync(join(tmpdir(), 'berth-rpm-'));
  try {
    const file = join(dir, 'pairs.tsv');
    writeFileSync(file, pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
    const lua = `%{lua: for line in io.lines("${file}") do local a, b = line:match("^(.-)\\t(.*)$"); print(rpm.vercmp(a, b) .. "\\n") end}`;
    return parseVerdicts(run('rpm', ['--eval', lua], '', 'rpm'), pairs.length, 'rpm');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Debian's python3 with python3-packaging: `packaging.version.Version` ordering; InvalidVersion is 'error'. */
export function packagingVerdicts(pairs: readonly Pair[]): Verdict[] {
  const py = [
    'import json, sys',
    'from packaging.version import Version, InvalidVersion',
    'for a, b in json.load(sys.stdin):',
    '    try:',
    '        x, y = Version(a), Version(b)',
    '        print((x > y) - (x < y))',
    '    except InvalidVersion:',
    '        print("E")',
  ].join('\n');
  return parseVerdicts(run('/usr/bin/python3', ['-c', py], JSON.stringify(pairs), 'python3-packaging'), pairs.length, 'python3-packaging');
}

/** Python's packaging.utils.canonicalize_name, for PEP 503 names. */
export function packagingCanonicalNames(names: readonly string[]): string[] {
  const py = 'import json, sys\nfrom packaging.utils import canonicalize_name\nprint(json.dumps([canonicalize_name(n) for n in json.load(sys.stdin)]))';
  return JSON.parse(run('/usr/bin/python3', ['-c', py], JSON.stringify(names), 'python3-packaging')) as string[];
}

/** Debian's python3 packaging: `str(Version(v))`, the normalised form. */
export function packagingNormalForms(versions: readonly string[]): string[] {
  const py = 'import json, sys\nfrom packaging.version import Version\nprint(json.dumps([str(Version(v)) for v in json.load(sys.stdin)]))';
  return JSON.parse(run('/usr/bin/python3', ['-c', py], JSON.stringify(versions), 'python3-packaging')) as string[];
}

/** Ruby's Gem::Version#<=>; a malformed version is 'error'. */
export function rubygemsVerdicts(pairs: readonly Pair[]): Verdict[] {
  const rb = 'require "json"; JSON.parse($stdin.read).each { |a, b| begin; puts(Gem::Version.new(a) <=> Gem::Version.new(b)); rescue ArgumentError; puts "E"; end }';
  return parseVerdicts(run('ruby', ['-e', rb], JSON.stringify(pairs), 'ruby'), pairs.length, 'ruby');
}

export const MAVEN_ARTIFACT_JAR = '/usr/share/java/maven3-artifact.jar';

/** Maven's own ComparableVersion (Debian's libmaven3-core-java) through a single-file Java program. */
export function mavenVerdicts(pairs: readonly Pair[]): Verdict[] {
  assert.ok(existsSync(MAVEN_ARTIFACT_JAR), `${MAVEN_ARTIFACT_JAR} is missing: apt-get install libmaven3-core-java`);
  const dir = mkdtempSync(join(tmpdir(), 'berth-maven-'));
  try {
    const src = join(dir, 'MavenCompare.java');
    writeFileSync(
      src,
      [
        'import org.apache.maven.artifact.versioning.ComparableVersion;',
        'import java.io.*;',
        'public class MavenCompare {',
        '  public static void main(String[] args) throws IOException {',
        '    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));',
        '    StringBuilder out = new StringBuilder();',
        '    for (String line; (line = in.readLine()) != null;) {',
        '      int tab = line.indexOf(9);',
        '      int c = new ComparableVersion(line.substring(0, tab)).compareTo(new ComparableVersion(line.substring(tab + 1)));',
        '      out.append(Integer.signum(c)).append((char) 10);',
        '    }',
        '    System.out.print(out);',
        '  }',
        '}',
      ].join('\n'),
    );
    const input = pairs.map(([a, b]) => `${a}\t${b}\n`).join('');
    return parseVerdicts(run('java', ['-cp', MAVEN_ARTIFACT_JAR, src], input, 'java'), pairs.length, 'maven');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Our verdict in the same shape as a tool's. */
export function ourVerdict(tryCompare: (a: string, b: string) => { ok: true; value: Ordering } | { ok: false; error: string }, a: string, b: string): Verdict {
  const r = tryCompare(a, b);
  return r.ok ? r.value : 'error';
}

/** Asserts our verdicts equal the tool's, listing the first disagreements in full. */
export function assertSameVerdicts(tool: string, pairs: readonly Pair[], theirs: readonly Verdict[], ours: readonly Verdict[]): void {
  const diffs = pairs.flatMap(([a, b], i) => (theirs[i] === ours[i] ? [] : [`${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${tool} says ${theirs[i]}, we say ${ours[i]}`]));
  assert.deepEqual(diffs.slice(0, 20), [], `${diffs.length} of ${pairs.length} pairs disagree with ${tool}`);
  // The sample must exercise every outcome, or agreement would prove little.
  const count = (v: Verdict): number => theirs.filter((t) => t === v).length;
  assert.ok(count(-1) >= pairs.length / 10 && count(1) >= pairs.length / 10 && count(0) >= 3, `${tool}: a lopsided sample (${count(-1)} <, ${count(0)} =, ${count(1)} >, ${count('error')} errors)`);
}

export type Vector = readonly [string, '<' | '=' | '>', string];

/** Asserts each published vector both ways round: a < b implies b > a. */
export function assertVectors(compare: (a: string, b: string) => Ordering, vectors: readonly Vector[]): void {
  for (const [a, op, b] of vectors) {
    const want: Ordering = op === '<' ? -1 : op === '>' ? 1 : 0;
    assert.equal(compare(a, b), want, `${a} ${op} ${b}`);
    assert.equal(compare(b, a), want === 0 ? 0 : -want, `${b} against ${a}`);
  }
}

/** A slight variation of `v`: one of `pieces` inserted at, or put in place of, a random character. */
export function splice(r: Random, v: string, pieces: readonly string[]): string {
  const pos = r.int(0, v.length);
  const piece = r.pick(pieces);
  return r.chance(0.5) ? v.slice(0, pos) + piece + v.slice(pos) : v.slice(0, pos) + piece + v.slice(pos + 1);
}
