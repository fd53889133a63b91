import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ALL_RULES } from '../../src/lint/rules/index.ts';
import { jsonOf, runBerth } from './run-berth.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/dockerfiles/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, `${name}.Dockerfile`);

interface LintJson {
  file: string;
  failOn: string;
  failed: boolean;
  counts: Record<string, number>;
  findings: Array<{ ruleId: string; severity: string; message: string; fix: string; startLine: number; endLine: number }>;
}

/** The parts of the SARIF 2.1.0 schema a consumer relies on, checked field by field. */
function assertSarifShape(log: any): void {
  assert.equal(log.version, '2.1.0');
  assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
  assert.ok(Array.isArray(log.runs) && log.runs.length === 1);
  const run = log.runs[0];
  assert.equal(typeof run.tool.driver.name, 'string');
  assert.ok(Array.isArray(run.tool.driver.rules));
  for (const rule of run.tool.driver.rules) {
    assert.match(rule.id, /^[a-z][a-z-]+$/);
    assert.equal(typeof rule.shortDescription.text, 'string');
    assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level));
  }
  assert.ok(Array.isArray(run.results));
  for (const result of run.results) {
    assert.equal(run.tool.driver.rules[result.ruleIndex].id, result.ruleId, 'ruleIndex points at the rule');
    assert.ok(['error', 'warning', 'note'].includes(result.level));
    assert.equal(typeof result.message.text, 'string');
    assert.equal(result.locations.length, 1);
    const { artifactLocation, region } = result.locations[0].physicalLocation;
    assert.equal(typeof artifactLocation.uri, 'string');
    assert.ok(Number.isInteger(region.startLine) && region.startLine >= 1);
    assert.ok(Number.isInteger(region.endLine) && region.endLine >= region.startLine);
  }
}

describe('berth lint', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-lint-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints file:line: severity rule-id message with the fix, and exits 0 when nothing reaches --fail-on error', async () => {
    const file = fixture('package-cache-not-cleaned');
    const run = await runBerth(['lint', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.split('\n'), [
      `${file}:8-9: warning package-cache-not-cleaned "apk add" keeps the package index in /var/cache/apk in this layer`,
      '  fix: use apk add --no-cache (no apk update needed)',
      '1 finding: 0 errors, 1 warning, 0 info',
      '',
    ]);
    assert.equal(run.stderr, '');
  });

  it('prints nothing and exits 0 for a clean Dockerfile', async () => {
    const run = await runBerth(['lint', fixture('clean')]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
  });

  it('exits 1 when a finding reaches --fail-on, still printing the findings', async () => {
    const run = await runBerth(['lint', fixture('consecutive-run'), '--fail-on', 'info']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /:8-9: info consecutive-run 2 consecutive RUN instructions/);
    assert.equal(run.stderr, 'berth: 1 finding at or above info\n');
    const none = await runBerth(['lint', fixture('copy-from-unknown-stage'), '--fail-on', 'none']);
    assert.equal(none.code, 0, none.stderr);
  });

  it('prints JSON with --json and fails on an error-level finding by default', async () => {
    const run = await runBerth(['lint', '--json', fixture('copy-from-unknown-stage')]);
    assert.equal(run.code, 1);
    const out = jsonOf<LintJson>(run);
    assert.equal(out.file, fixture('copy-from-unknown-stage'));
    assert.equal(out.failOn, 'error');
    assert.equal(out.failed, true);
    assert.deepEqual(out.counts, { error: 1, warning: 0, info: 0 });
    assert.deepEqual(out.findings.map((f) => [f.ruleId, f.severity, f.startLine, f.endLine]), [['copy-from-unknown-stage', 'error', 10, 10]]);
    assert.match(out.findings[0]!.message, /--from=biuld names no stage/);
    assert.match(out.findings[0]!.fix, /build/);
  });

  it('prints SARIF 2.1.0 with every enabled rule and one result per finding', async () => {
    const file = fixture('build-tools-in-final-stage');
    const run = await runBerth(['lint', '--format', 'sarif', file, '--fail-on', 'warning']);
    assert.equal(run.code, 1);
    const log = jsonOf<any>(run);
    assertSarifShape(log);
    const sarifRun = log.runs[0];
    assert.equal(sarifRun.tool.driver.name, 'berth-lint');
    assert.deepEqual(sarifRun.tool.driver.rules.map((r: { id: string }) => r.id), ALL_RULES.map((r) => r.id));
    assert.equal(sarifRun.tool.driver.rules.find((r: { id: string }) => r.id === 'healthcheck-missing').defaultConfiguration.level, 'note');
    assert.equal(sarifRun.results.length, 1);
    const [result] = sarifRun.results;
    assert.equal(result.ruleId, 'build-tools-in-final-stage');
    assert.equal(result.level, 'warning');
    assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 8, endLine: 9 });
    assert.equal(result.locations[0].physicalLocation.artifactLocation.uri, relative(process.cwd(), file).split('\\').join('/'));
    assert.match(result.message.text, /gcc, libffi-dev/);
  });

  it('reads the Dockerfile from stdin with -, honouring ignore comments', async () => {
    const stdin = ['FROM alpine:3.20', '# berth-lint ignore=cd-in-run', 'RUN cd /tmp && touch x', 'RUN cd /srv', 'USER app', 'HEALTHCHECK NONE', ''].join('\n');
    const run = await runBerth(['lint', '-', '--json', '--fail-on', 'none'], { stdin });
    assert.equal(run.code, 0, run.stderr);
    const out = jsonOf<LintJson>(run);
    assert.equal(out.file, '<stdin>');
    assert.deepEqual(out.findings.map((f) => `${f.ruleId}@${f.startLine}`), ['consecutive-run@3', 'cd-in-run@4']);
  });

  it('uses .berth-lint.yaml next to the Dockerfile, and --config instead of it', async () => {
    const project = join(dir, 'project');
    await mkdir(project);
    await writeFile(join(project, 'Dockerfile'), 'FROM alpine:3.20\nRUN apk add curl\nUSER app\nHEALTHCHECK NONE\n');
    await writeFile(join(project, '.berth-lint.yaml'), 'disable:\n  - package-cache-not-cleaned\n');
    const quiet = await runBerth(['lint', join(project, 'Dockerfile'), '--json']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.deepEqual(jsonOf<LintJson>(quiet).findings, []);

    const strict = join(dir, 'strict.yaml');
    await writeFile(strict, 'severity:\n  package-cache-not-cleaned: error\n');
    const loud = await runBerth(['lint', join(project, 'Dockerfile'), '--config', strict]);
    assert.equal(loud.code, 1);
    assert.match(loud.stdout, /Dockerfile:2: error package-cache-not-cleaned/);
  });

  it('exits 2 with every problem for an invalid config file', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'disable: [no-such-rule]\nseverity: { user-root: fatal }\n');
    const run = await runBerth(['lint', fixture('clean'), '--config', bad]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /invalid lint config .*bad\.yaml/);
    assert.match(run.stderr, /disable\.0: unknown rule "no-such-rule"/);
    assert.match(run.stderr, /severity\.user-root/);
    assert.equal(run.stdout, '');
  });

  it('exits 2 with file:line for a Dockerfile that does not parse', async () => {
    const file = join(dir, 'broken.Dockerfile');
    await writeFile(file, 'FROM alpine:3.20\nRUN <<EOF\necho unterminated\n');
    const broken = await runBerth(['lint', file]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: unterminated heredoc <<EOF`));
    assert.equal(broken.stdout, '');
    const unknown = await runBerth(['lint', '-'], { stdin: 'FROM alpine:3.20\nFORM x\n' });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /<stdin>:2: unknown instruction: FORM/);
  });

  it('exits 2 for a missing file, a bad --format or --fail-on, and an unknown option', async () => {
    for (const args of [['lint', join(dir, 'nope')], ['lint', fixture('clean'), '--format', 'xml'], ['lint', fixture('clean'), '--fail-on', 'fatal'], ['lint', '--bogus']]) {
      const run = await runBerth(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.notEqual(run.stderr, '');
    }
  });

  it('applies --build-arg to the ARGs a FROM line uses', async () => {
    const stdin = 'ARG TAG=latest\nFROM alpine:${TAG}\nUSER app\nHEALTHCHECK NONE\n';
    const latest = await runBerth(['lint', '-', '--json'], { stdin });
    assert.deepEqual(jsonOf<LintJson>(latest).findings.map((f) => f.ruleId), ['base-image-latest']);
    const pinned = await runBerth(['lint', '-', '--json', '--build-arg', 'TAG=3.20'], { stdin });
    assert.deepEqual(jsonOf<LintJson>(pinned).findings, []);
  });

  it('documents exit codes and rules in --help', async () => {
    const run = await runBerth(['lint', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Exit codes:\n {2}0 {2}no finding at or above --fail-on\n {2}1 {2}some finding at or above --fail-on \(default: error\)\n {2}2 {2}bad usage/);
    for (const rule of ALL_RULES) assert.match(run.stdout, new RegExp(`\\n {2}${rule.id} +${rule.severity} `));
  });
});
