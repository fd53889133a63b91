/**
 * Scan throughput: `node --import tsx bench/scan.bench.ts [--runs=3] [--workdir=DIR] [--keep] [--cpu-prof=DIR]`
 * (or `npm run bench -- --only=scan [same options]`).
 *
 * Builds a large gzip OCI layout from this machine's own files, so every cataloger does real work: a Debian
 * base (dpkg status and file lists, /usr/bin, /usr/sbin, /usr/libexec, dist-packages), the Go toolchain as
 * /usr/local/go, Go programs with module build info (docker-registry, skopeo, podman, umoci), a pip
 * site-packages tree, this repository's node_modules with its lockfile, a Maven repository's jars, and a top
 * layer that deletes a directory and upgrades a package. Then it generates an OSV database sized like the real
 * feeds for the packages present (tens of thousands of advisories, most of them about other packages) and
 * imports it with the vulnerability database service into SQLite. It measures on the same layer blobs:
 *   - the raw rate of `gunzip -c < layer > /dev/null` (the physical limit of reading gzip on this machine);
 *   - the scan, in a fresh child process per run: collectInventory over the layout, then the matcher over the
 *     database, in MB/s of compressed layer bytes, with the time split and the child's peak RSS.
 * Medians and bests of --runs for both. With --workdir the layout and database are kept there and reused.
 * Prints a table; nothing is asserted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ociLayoutSource } from '../src/image/oci-layout.source.ts';
import { sqliteDialect } from '../src/meta/dialects/sqlite.dialect.ts';
import { openMetaStore } from '../src/meta/meta-store.ts';
import { collectInventory } from '../src/scan/inventory/collect-inventory.ts';
import type { Inventory } from '../src/scan/inventory/inventory.ts';
import { DbVulnerabilityMatcher } from '../src/scan/match/db-vulnerability-matcher.ts';
import { queriesByEcosystem } from '../src/scan/match/package-query.ts';
import { VulnDbService } from '../src/scan/vulndb/vulndb.service.ts';
import { compressLayer, tarArchive, whiteout } from '../test/helpers/test-image.ts';
import { gunzipRun, MB, median, option, peakRssKiB, textOption } from './bench-kit.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SITE_PACKAGES = 'root/.pyenv/versions/3.11.7/lib/python3.11/site-packages';
const GO_PROGRAMS = ['usr/bin/docker-registry', 'usr/bin/skopeo', 'usr/bin/podman', 'usr/bin/umoci'];
const JAR_BUDGET_BYTES = 120 * MB;

/** One layer: paths relative to / as GNU tar reads them, renamed by `transforms` (sed expressions). */
interface LayerSpec {
  name: string;
  paths: string[];
  transforms?: string[];
  excludes?: string[];
}

interface BuiltLayer {
  name: string;
  digest: string;
  diffId: string;
  size: number;
  uncompressedBytes: number;
}

function sh(script: string): string {
  const run = spawnSync('bash', ['-o', 'pipefail', '-c', script], { encoding: 'utf8', maxBuffer: 256 * MB });
  if (run.error || run.status !== 0) throw new Error(`${script.slice(0, 200)} failed: ${run.error?.message ?? run.stderr}`);
  return run.stdout;
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function jarList(): string[] {
  const all = sh(`find /root/.m2/repository -name '*.jar' -printf '%s %P\\n' | sort -k2`).trim().split('\n').filter(Boolean);
  const picked: string[] = [];
  let bytes = 0;
  for (const line of all) {
    const [size, path] = [Number(line.slice(0, line.indexOf(' '))), line.slice(line.indexOf(' ') + 1)];
    if (bytes + size > JAR_BUDGET_BYTES) continue;
    picked.push(`root/.m2/repository/${path}`);
    bytes += size;
  }
  return picked;
}

/** Modules the generated Go program is built with (vendored, offline), as a Go service's go.mod lists them. */
const GO_MODULES = [
  'github.com/gorilla/mux@v1.8.0', 'golang.org/x/text@v0.3.7', 'golang.org/x/net@v0.7.0', 'golang.org/x/crypto@v0.0.0-20220722155217-630584e8d5aa',
  'golang.org/x/sys@v0.5.0', 'github.com/sirupsen/logrus@v1.9.0', 'gopkg.in/yaml.v3@v3.0.0', 'github.com/gin-gonic/gin@v1.8.1',
  'github.com/golang-jwt/jwt/v4@v4.4.2', 'github.com/prometheus/client_golang@v1.12.2', 'google.golang.org/grpc@v1.50.1',
  'google.golang.org/protobuf@v1.28.0', 'github.com/docker/docker@v20.10.17+incompatible', 'github.com/opencontainers/runc@v1.1.3',
  'github.com/containerd/containerd@v1.6.8', 'github.com/hashicorp/go-getter@v1.6.1', 'github.com/aws/aws-sdk-go@v1.44.100',
  'github.com/spf13/cobra@v1.5.0', 'github.com/miekg/dns@v1.1.50', 'github.com/go-git/go-git/v5@v5.4.2',
];

/**
 * A Go program whose build info lists GO_MODULES: each module vendored as a one-function package, built with
 * this machine's `go` and no network. Debian's own Go binaries are built without modules, so they carry none.
 */
async function buildGoProgram(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const requires: string[] = [];
  const vendored: string[] = [];
  const imports: string[] = [];
  const calls: string[] = [];
  for (const [i, spec] of GO_MODULES.entries()) {
    const [path, version] = spec.split('@') as [string, string];
    requires.push(`\t${path} ${version}`);
    vendored.push(`# ${path} ${version}\n## explicit; go 1.19\n${path}`);
    await mkdir(join(dir, 'vendor', path), { recursive: true });
    await writeFile(join(dir, 'vendor', path, 'lib.go'), `package pkg${i}\n\nfunc Name() string { return ${JSON.stringify(path)} }\n`);
    imports.push(`\tpkg${i} ${JSON.stringify(path)}`);
    calls.push(`\tprintln(pkg${i}.Name())`);
  }
  await writeFile(join(dir, 'go.mod'), `module example.com/benchapp\n\ngo 1.19\n\nrequire (\n${requires.join('\n')}\n)\n`);
  await writeFile(join(dir, 'vendor', 'modules.txt'), `${vendored.join('\n')}\n`);
  await writeFile(join(dir, 'main.go'), `package main\n\nimport (\n${imports.join('\n')}\n)\n\nfunc main() {\n${calls.join('\n')}\n}\n`);
  const run = spawnSync('go', ['build', '-o', 'benchapp', '.'], { cwd: dir, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=vendor', GOPROXY: 'off', GOCACHE: join(dir, 'cache'), GO111MODULE: 'on' } });
  if (run.error || run.status !== 0) throw new Error(`go build failed (the scan benchmark needs Debian's golang-go): ${run.error?.message ?? run.stderr}`);
  return join(dir, 'benchapp');
}

function layerSpecs(goProgram: string): LayerSpec[] {
  const rel = (p: string) => p.replace(/^\//, '');
  for (const p of ['/var/lib/dpkg/status', `/${SITE_PACKAGES}`, '/usr/lib/go-1.19/pkg', ...GO_PROGRAMS.map((g) => `/${g}`), `${ROOT}/node_modules`, '/root/.m2/repository']) {
    if (!existsSync(p)) throw new Error(`${p} is missing: the scan benchmark builds its image from this machine's files`);
  }
  const repo = rel(ROOT);
  return [
    { name: 'debian base', paths: ['etc/os-release', 'usr/lib/os-release', 'bin', 'sbin', 'lib', 'lib64', 'var/lib/dpkg/status', 'var/lib/dpkg/info', 'usr/bin', 'usr/sbin', 'usr/libexec', 'usr/lib/python3/dist-packages'] },
    { name: 'go toolchain', paths: ['usr/lib/go-1.19/VERSION', 'usr/lib/go-1.19/bin', 'usr/lib/go-1.19/pkg'], transforms: ['s,^usr/lib/go-1\\.19,usr/local/go,S'] },
    { name: 'go programs', paths: [...GO_PROGRAMS, rel(goProgram)], transforms: ['s,^usr/bin/,opt/tools/bin/,S', 's,^.*/benchapp$,opt/app/bin/benchapp,S'] },
    { name: 'pip site-packages', paths: [SITE_PACKAGES], transforms: [`s,^${SITE_PACKAGES.replace(/\./g, '\\.')},usr/local/lib/python3.11/site-packages,S`], excludes: ['*/site-packages/scipy', '*/site-packages/sympy', '*/site-packages/cfnlint', '*/site-packages/moto', '*/__pycache__'] },
    { name: 'npm app', paths: [`${repo}/node_modules`, `${repo}/package.json`, `${repo}/package-lock.json`], transforms: [`s,^${repo.replace(/\./g, '\\.')},app,S`] },
    { name: 'maven jars', paths: jarList(), transforms: ['s,^root/\\.m2/repository,opt/app/lib,S'] },
  ];
}

/** Stores `file` as a blob of the layout, named by its sha256. */
async function adoptBlob(layout: string, file: string): Promise<{ digest: string; size: number }> {
  const bytes = await readFile(file);
  const hex = createHash('sha256').update(bytes).digest('hex');
  await rename(file, join(layout, 'blobs', 'sha256', hex));
  return { digest: `sha256:${hex}`, size: bytes.length };
}

async function writeBlob(layout: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const hex = createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(layout, 'blobs', 'sha256', hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/** `tar | gzip -6` streamed to a file (GNU tar, gzip's default level as `docker build` uses), with the diff id. */
async function buildLayer(layout: string, spec: LayerSpec): Promise<BuiltLayer> {
  const tmp = join(layout, 'tmp');
  const listFile = join(tmp, 'paths');
  await writeFile(listFile, `${spec.paths.join('\n')}\n`);
  const args = ['-c', '-C', '/', '--numeric-owner', '--owner=0', '--group=0', '--warning=no-file-changed', '--ignore-failed-read', ...(spec.excludes ?? []).map((e) => `--exclude=${e}`), ...(spec.transforms ?? []).map((t) => `--transform=${t}`), '-T', listFile];
  const out = join(tmp, 'layer.gz');
  const script = `tar ${args.map(quote).join(' ')} | tee >(sha256sum > ${quote(join(tmp, 'diffid'))}) >(wc -c > ${quote(join(tmp, 'size'))}) | gzip -6 -n > ${quote(out)}`;
  sh(script);
  // The process substitutions may still be writing when bash returns.
  const written = async (name: string) => (await readFile(join(tmp, name), 'utf8').catch(() => '')).trim();
  for (let i = 0; i < 200 && (!/^[0-9a-f]{64}/.test(await written('diffid')) || !/^\d+$/.test(await written('size'))); i++) await new Promise((r) => setTimeout(r, 50));
  const diffId = `sha256:${(await written('diffid')).slice(0, 64)}`;
  const uncompressedBytes = Number(await written('size'));
  if (!/^sha256:[0-9a-f]{64}$/.test(diffId) || !Number.isInteger(uncompressedBytes)) throw new Error(`no diff id or size for layer ${spec.name}`);
  await rm(join(tmp, 'size'));
  await rm(join(tmp, 'diffid'));
  const { digest, size } = await adoptBlob(layout, out);
  return { name: spec.name, digest, diffId, size, uncompressedBytes };
}

/** A last layer like an upgrade: deletes a directory of site-packages and replaces one npm package. */
async function topLayer(layout: string): Promise<BuiltLayer> {
  const tar = tarArchive({
    [whiteout('usr/local/lib/python3.11/site-packages/jedi')]: '',
    'app/node_modules/semver/package.json': JSON.stringify({ name: 'semver', version: '7.9.0', license: 'ISC' }),
  });
  const { digest, size } = await writeBlob(layout, compressLayer(tar, 'gzip'));
  return { name: 'upgrade', digest, diffId: `sha256:${createHash('sha256').update(tar).digest('hex')}`, size, uncompressedBytes: tar.length };
}

async function buildLayout(layout: string): Promise<BuiltLayer[]> {
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
  await mkdir(join(layout, 'tmp'), { recursive: true });
  const layers: BuiltLayer[] = [];
  for (const spec of layerSpecs(await buildGoProgram(join(layout, 'tmp', 'go')))) {
    const started = Date.now();
    layers.push(await buildLayer(layout, spec));
    const l = layers.at(-1)!;
    console.log(`  layer ${spec.name}: ${(l.size / MB).toFixed(1)} MB gzip, ${(l.uncompressedBytes / MB).toFixed(1)} MB tar, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  layers.push(await topLayer(layout));
  await rm(join(layout, 'tmp'), { recursive: true, force: true });
  const config = await writeBlob(layout, Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created_by: `scan bench: ${l.name}` })),
  })));
  const manifest = await writeBlob(layout, Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
  })));
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }],
  }));
  return layers;
}

// ---------------------------------------------------------------------------------------------------------
// The generated OSV data. Per OSV ecosystem: several advisories for each package the image has (about one in
// five affecting the installed version, the rest fixed at it or listing other versions), plus advisories about
// packages it does not have up to the feed's size. Debian records name three releases, as the real feed does.

/** Advisories per ecosystem, roughly the public feeds' sizes in 2025 (Debian counts DEBIAN-CVE-* too). */
const FEED_SIZES: Record<string, number> = { Debian: 40_000, npm: 15_000, PyPI: 9_000, Go: 4_000, Maven: 5_000 };
const PER_PRESENT_PACKAGE: Record<string, number> = { Debian: 12, npm: 3, PyPI: 4, Go: 3, Maven: 4 };
const PREFIX: Record<string, string> = { Debian: 'DEBIAN-CVE', npm: 'GHSA-npm', PyPI: 'PYSEC', Go: 'GO', Maven: 'GHSA-mvn' };
const CVSS = ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N', 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'];

function advisory(id: string, ecosystems: string[], name: string, affected: Record<string, unknown>, n: number): Record<string, unknown> {
  const cve = `CVE-${2015 + (n % 11)}-${10000 + n}`;
  return {
    schema_version: '1.6.0',
    id,
    modified: '2025-06-01T00:00:00Z',
    published: '2024-12-01T00:00:00Z',
    aliases: id.startsWith('DEBIAN') ? [] : [cve],
    ...(id.startsWith('DEBIAN') ? { upstream: [cve] } : {}),
    summary: `${name}: a generated advisory for the scan benchmark`,
    details: `A flaw in ${name} lets a remote attacker do something it should not when it parses crafted input. `.repeat(4),
    severity: n % 5 === 4 ? [] : [{ type: CVSS[n % 4]!.startsWith('CVSS:4') ? 'CVSS_V4' : 'CVSS_V3', score: CVSS[n % 4] }],
    affected: ecosystems.map((ecosystem) => ({ package: { ecosystem, name }, ...affected, database_specific: { severity: ['low', 'medium', 'high'][n % 3] } })),
    references: [{ type: 'ADVISORY', url: `https://security.example.org/${id}` }, { type: 'WEB', url: `https://nvd.nist.gov/vuln/detail/${cve}` }],
  };
}

/** Affected ranges for `version`: one in five affecting it (last_affected at it), the rest not. */
function rangesFor(version: string, n: number, isOs: boolean): Record<string, unknown> {
  const kind = n % 5;
  if (kind === 0) return { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { last_affected: version }] }] };
  if (kind === 1 && !isOs) return { versions: [`${version}-notthis`, '0.0.1'] };
  return { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: version }] }] };
}

function generateRecords(inventory: Inventory): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  const release = inventory.os?.versionId ?? '12';
  for (const [ecosystem, items] of queriesByEcosystem(inventory)) {
    const per = PER_PRESENT_PACKAGE[ecosystem] ?? 3;
    const seen = new Set<string>();
    let n = 0;
    for (const { query } of items) {
      if (seen.has(`${query.name}@${query.version}`)) continue;
      seen.add(`${query.name}@${query.version}`);
      const ecosystems = ecosystem === 'Debian' ? [`Debian:${Number(release) - 1}`, `Debian:${release}`, `Debian:${Number(release) + 1}`] : [ecosystem];
      for (let k = 0; k < per; k++, n++) {
        // The other releases' entries are fixed at a version that makes no difference to this one.
        records.push(advisory(`${PREFIX[ecosystem] ?? ecosystem}-${ecosystem.length}${n}`, ecosystems, query.name, rangesFor(query.version, n, ecosystem === 'Debian'), n));
      }
    }
    for (; n < (FEED_SIZES[ecosystem] ?? 0); n++) {
      const name = ecosystem === 'Maven' ? `org.example.absent${n % 4000}:lib${n % 7}` : ecosystem === 'Go' ? `github.com/example/absent${n % 3000}` : `absent-package-${n % 6000}`;
      const ecosystems = ecosystem === 'Debian' ? [`Debian:${Number(release) - 1}`, `Debian:${release}`] : [ecosystem];
      records.push(advisory(`${PREFIX[ecosystem] ?? ecosystem}-${ecosystem.length}${n}`, ecosystems, name, { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: ecosystem === 'Go' ? '1.2.3' : '1.2.3-1' }] }] }, n));
    }
  }
  return records;
}

async function buildDatabase(dbPath: string, inventory: Inventory): Promise<{ records: number; seconds: number }> {
  const records = generateRecords(inventory);
  const started = Date.now();
  const store = await openMetaStore(sqliteDialect({ path: dbPath }));
  try {
    const vulndb = new VulnDbService({ repo: store.vulndb, now: Date.now });
    const result = await vulndb.import(records.map((json, i) => ({ name: `generated-${i}`, json })));
    if (result.invalid > 0) throw new Error(`generated OSV records refused: ${JSON.stringify(result.problems.slice(0, 3))}`);
    return { records: result.added, seconds: (Date.now() - started) / 1000 };
  } finally {
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------------------

interface ChildResult {
  inventorySeconds: number;
  matchSeconds: number;
  /** CPU seconds the scanning process used (all its threads: inflate runs on libuv's pool). */
  cpuSeconds: number;
  startRssKiB: number;
  inventoryPeakRssKiB: number;
  peakRssKiB: number;
  packages: Record<string, number>;
  warnings: number;
  candidates: number;
  findings: number;
}

/** One scan in a fresh process, so its peak RSS is the scan's own (plus Node, tsx and SQLite). */
function scanInChild(layout: string, dbPath: string, nodeArgs: string[]): Promise<ChildResult> {
  return new Promise((resolveResult, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', fileURLToPath(import.meta.url), '--child', layout, dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolveResult(JSON.parse(out) as ChildResult) : reject(new Error(`scan child exited ${code}`))));
  });
}

async function child(layout: string, dbPath: string): Promise<void> {
  const store = await openMetaStore(sqliteDialect({ path: dbPath }));
  const vulndb = new VulnDbService({ repo: store.vulndb, now: Date.now });
  let candidates = 0;
  const counted = { candidates: async (ecosystem: string, names: readonly string[]) => { const rows = await store.vulndb.candidates(ecosystem, names); candidates += rows.length; return rows; } };
  const matcher = new DbVulnerabilityMatcher({ repo: counted, vulndb });
  const startRssKiB = peakRssKiB();
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const inventory = await collectInventory(ociLayoutSource(layout, 'bench'));
  const inventoryDone = process.hrtime.bigint();
  const inventoryPeakRssKiB = peakRssKiB();
  const findings = await matcher.match(inventory);
  const matchDone = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpuBefore);
  await store.close();
  const packages: Record<string, number> = {};
  for (const p of inventory.packages) packages[p.ecosystem] = (packages[p.ecosystem] ?? 0) + 1;
  const result: ChildResult = {
    inventorySeconds: Number(inventoryDone - started) / 1e9,
    matchSeconds: Number(matchDone - inventoryDone) / 1e9,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startRssKiB,
    inventoryPeakRssKiB,
    peakRssKiB: peakRssKiB(),
    packages,
    warnings: inventory.warnings.length,
    candidates,
    findings: findings.length,
  };
  process.stdout.write(JSON.stringify(result));
}

async function prepare(workdir: string): Promise<{ layout: string; dbPath: string; layers: BuiltLayer[] }> {
  const layout = join(workdir, 'layout');
  const dbPath = join(workdir, 'vulndb.sqlite');
  const metaFile = join(workdir, 'layers.json');
  if (existsSync(metaFile) && existsSync(dbPath)) {
    console.log(`reusing the image and database in ${workdir}`);
    return { layout, dbPath, layers: JSON.parse(await readFile(metaFile, 'utf8')) as BuiltLayer[] };
  }
  await rm(layout, { recursive: true, force: true });
  await rm(dbPath, { force: true });
  console.log('building the image from this machine\'s files:');
  const started = Date.now();
  const layers = await buildLayout(layout);
  console.log(`built ${layers.length} layers in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const inventory = await collectInventory(ociLayoutSource(layout, 'bench'));
  const db = await buildDatabase(dbPath, inventory);
  console.log(`imported ${db.records} generated OSV advisories in ${db.seconds.toFixed(1)} s`);
  await writeFile(metaFile, JSON.stringify(layers));
  return { layout, dbPath, layers };
}

const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const runs = option('runs', 3);
  const profDir = textOption('cpu-prof');
  const given = textOption('workdir');
  const workdir = given ? resolve(given) : await mkdtemp(join(tmpdir(), 'berth-scan-bench-'));
  await mkdir(workdir, { recursive: true });
  try {
    const { layout, dbPath, layers } = await prepare(workdir);
    const compressed = layers.reduce((s, l) => s + l.size, 0);
    const uncompressed = layers.reduce((s, l) => s + l.uncompressedBytes, 0);
    const blobs = layers.map((l) => join(layout, 'blobs', 'sha256', l.digest.slice('sha256:'.length)));
    const nodeArgs = profDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profDir)}`] : [];
    const gunzips: number[] = [];
    const gunzipCpus: number[] = [];
    const scans: ChildResult[] = [];
    // Alternate, so drift in the machine's load hits both alike.
    for (let i = 0; i < runs; i++) {
      const gunzip = gunzipRun(blobs);
      gunzips.push(gunzip.seconds);
      gunzipCpus.push(gunzip.cpuSeconds);
      scans.push(await scanInChild(layout, dbPath, nodeArgs));
      const s = scans.at(-1)!;
      console.log(`  run ${i + 1}: gunzip ${gunzip.seconds.toFixed(2)} s (${gunzip.cpuSeconds.toFixed(2)} CPU-s), scan ${(s.inventorySeconds + s.matchSeconds).toFixed(2)} s (inventory ${s.inventorySeconds.toFixed(2)}, matching ${s.matchSeconds.toFixed(2)}), ${s.cpuSeconds.toFixed(2)} CPU-s, peak RSS ${mib(s.peakRssKiB)}`);
    }
    const total = (r: ChildResult) => r.inventorySeconds + r.matchSeconds;
    const gz = { median: median(gunzips), best: Math.min(...gunzips) };
    const scan = { median: median(scans.map(total)), best: Math.min(...scans.map(total)) };
    const rate = (s: number) => `${(compressed / MB / s).toFixed(1)} MB/s`;
    const last = scans.at(-1)!;
    const rows: Array<[string, string]> = [
      ['image', `${layers.length} layers, ${(compressed / MB).toFixed(1)} MB gzip, ${(uncompressed / MB).toFixed(1)} MB tar`],
      ['inventory', `${Object.entries(last.packages).map(([k, v]) => `${v} ${k}`).join(', ')}; ${last.warnings} warnings`],
      ['matching', `${last.candidates} candidate advisories read, ${last.findings} findings`],
      ['gunzip -c > /dev/null', `median ${gz.median.toFixed(2)} s (${rate(gz.median)}), best ${gz.best.toFixed(2)} s (${rate(gz.best)})`],
      ['scan', `median ${scan.median.toFixed(2)} s (${rate(scan.median)}), best ${scan.best.toFixed(2)} s (${rate(scan.best)})`],
      ['scan / gunzip rate', `median ${((gz.median / scan.median) * 100).toFixed(0)}%, best ${((gz.best / scan.best) * 100).toFixed(0)}%`],
      ['time split (median)', `inventory ${median(scans.map((r) => r.inventorySeconds)).toFixed(2)} s, matching ${median(scans.map((r) => r.matchSeconds)).toFixed(2)} s`],
      ['CPU (median)', `gunzip ${median(gunzipCpus).toFixed(2)} CPU-s, scan ${median(scans.map((r) => r.cpuSeconds)).toFixed(2)} CPU-s (all threads of the scanning process): ${((median(gunzipCpus) / median(scans.map((r) => r.cpuSeconds))) * 100).toFixed(0)}%`],
      ['peak RSS (max of runs)', `${mib(Math.max(...scans.map((r) => r.peakRssKiB)))} (${mib(Math.max(...scans.map((r) => r.inventoryPeakRssKiB)))} after the inventory, ${mib(Math.max(...scans.map((r) => r.startRssKiB)))} before the scan)`],
      ['machine', `${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`],
    ];
    for (const [k, v] of rows) console.log(`${k.padEnd(24)}${v}`);
    if (profDir) console.log(`CPU profiles of the scan children in ${resolve(profDir)}`);
  } finally {
    if (!given && !process.argv.includes('--keep')) await rm(workdir, { recursive: true, force: true });
    else console.log(`image and database kept in ${workdir}`);
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt !== -1) await child(process.argv[childAt + 1]!, process.argv[childAt + 2]!);
else await main();
