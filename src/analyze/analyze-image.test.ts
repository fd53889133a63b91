import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ociLayoutSource } from '../image/oci-layout.source.ts';
import { tarArchive, testImage, testIndex, whiteout, type LayerFiles } from '../../test/helpers/test-image.ts';
import { analyzeImage } from './analyze-image.ts';
import type { Advice, AdviceId, AnalysisProgress, PlatformImageAnalysis } from './analysis.types.ts';
import { LayerPrefixCatalog } from './layer-prefix.catalog.ts';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n';
const DPKG_STATUS = [
  ['libc6', '12000'],
  ['gcc-12-base', '100'],
  ['build-essential', '12'],
  ['gcc-12', '36000'],
  ['libc6-dev', '12500'],
  ['make', '1600'],
]
  .map(([name, kib]) => `Package: ${name}\nStatus: install ok installed\nVersion: 1.0\nInstalled-Size: ${kib}\n`)
  .join('\n');

/** The wasteful image: every number below is counted from these layers. */
const LAYERS: LayerFiles[] = [
  {
    'etc/os-release': 'ID=debian\nVERSION_ID=12\n',
    'var/lib/dpkg/status': DPKG_STATUS,
    'usr/bin/gcc': 'g'.repeat(5000),
    'var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages': 'p'.repeat(8000),
    'var/cache/apt/pkgcache.bin': 'c'.repeat(2000),
  },
  { 'tmp/build.tar': 'b'.repeat(10000), 'etc/app.conf': 'v1'.repeat(150), 'root/.ssh/id_rsa': KEY },
  { [whiteout('tmp/build.tar')]: '', [whiteout('root/.ssh/id_rsa')]: '', 'etc/app.conf': 'v2'.repeat(250), 'app/data.bin': 'z'.repeat(4096), 'app/copy.bin': 'z'.repeat(4096) },
  ...[0, 1, 2, 3, 4, 5].map((i) => ({ [`app/step-${i}`]: `step ${i} ok` })),
];
const HISTORY = [
  { created_by: 'ADD rootfs.tar /' },
  { created_by: 'ENV LANG=C.UTF-8', empty_layer: true },
  { created_by: 'RUN make build' },
  { created_by: 'RUN rm -rf /tmp/build.tar /root/.ssh/id_rsa' },
  { created_by: 'WORKDIR /app', empty_layer: true },
  ...[0, 1, 2, 3, 4, 5].map((i) => ({ created_by: `RUN ./step ${i}` })),
  { created_by: 'CMD ["/app/run"]', empty_layer: true },
];

const bytesOf = (files: LayerFiles): number => Object.values(files).reduce((s: number, v) => s + Buffer.byteLength(v as string), 0);
const find = (image: PlatformImageAnalysis, id: AdviceId): Advice => {
  const item = image.advice.find((a) => a.id === id);
  assert.ok(item, `advice ${id} in ${image.advice.map((a) => a.id).join(', ')}`);
  return item;
};

describe('analyzeImage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-analyze-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts sizes, history, waste, duplicates and efficiency exactly', async () => {
    let builder = testImage().history(HISTORY).annotations({ 'org.opencontainers.image.base.name': 'docker.io/library/debian:latest' });
    for (const files of LAYERS) builder = builder.layer(files);
    const built = await builder.build(join(dir, 'waste'), 'v1');
    const analysis = await analyzeImage(ociLayoutSource(built.dir, 'v1'));
    assert.equal(analysis.schemaVersion, 1);
    assert.equal(analysis.digest, built.manifest.digest);
    assert.equal(analysis.images.length, 1);
    const image = analysis.images[0]!;
    assert.deepEqual(JSON.parse(JSON.stringify(analysis)), analysis, 'plain JSON');

    assert.deepEqual(
      image.layers.map((l) => [l.digest, l.compressedBytes, l.uncompressedBytes, l.compression, l.detectedCompression, l.diffId]),
      built.layers.map((l, i) => [l.digest, l.size, tarArchive(LAYERS[i]!).length, 'gzip', 'gzip', l.diffId]),
    );
    assert.deepEqual(image.layers.map((l) => l.createdBy), ['ADD rootfs.tar /', 'RUN make build', 'RUN rm -rf /tmp/build.tar /root/.ssh/id_rsa', ...[0, 1, 2, 3, 4, 5].map((i) => `RUN ./step ${i}`)]);
    assert.deepEqual(image.layers.map((l) => l.historyIndex), [0, 2, 3, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(image.history.map((h) => h.layer), [0, null, 1, 2, null, 3, 4, 5, 6, 7, 8, null]);
    assert.equal(image.totals.compressedBytes, built.layers.reduce((s, l) => s + l.size, 0));

    const keyBytes = Buffer.byteLength(KEY);
    const layerFileBytes = LAYERS.reduce((s, f) => s + bytesOf(f), 0);
    const wasted = 10000 + keyBytes + 300;
    assert.equal(image.waste.layerFileBytes, layerFileBytes);
    assert.equal(image.waste.wastedBytes, wasted);
    assert.equal(image.waste.deletedBytes, 10000 + keyBytes);
    assert.equal(image.waste.overwrittenBytes, 300);
    assert.equal(image.waste.efficiency, (layerFileBytes - wasted) / layerFileBytes);
    assert.equal(image.totals.finalFileBytes, layerFileBytes - wasted);
    // dive: app.conf counts its smaller version (300 of 800); build.tar and id_rsa their whiteout (0); others whole.
    assert.equal(image.waste.dive.score, (layerFileBytes - 10000 - keyBytes - 500) / layerFileBytes);
    assert.equal(image.waste.dive.wastedBytes, 800 + 10000 + keyBytes);
    assert.deepEqual(image.waste.duplicates.map((g) => [g.sizeBytes, g.wastedBytes, g.copies]), [[4096, 4096, [{ path: 'app/copy.bin', layer: 2, isFinal: true }, { path: 'app/data.bin', layer: 2, isFinal: true }]]]);

    const deletion = image.layers[2]!.changes.filter((c) => c.kind === 'deleted');
    assert.deepEqual(deletion.map((c) => [c.path, c.sizeBytes, c.previousLayer]).sort(), [['root/.ssh/id_rsa', keyBytes, 1], ['tmp/build.tar', 10000, 1]]);
    // app/ itself is added too (a directory: no bytes).
    assert.deepEqual(image.layers[2]!.summary, { added: 3, modified: 1, deleted: 2, addedBytes: 8192, modifiedBytes: 500, deletedBytes: 10000 + keyBytes });
    assert.ok(image.finalFiles.some((f) => f.path === 'app/data.bin' && f.sizeBytes === 4096 && f.layer === 2));
    assert.ok(!image.finalFiles.some((f) => f.path === 'tmp/build.tar'));
  });

  it('advises on caches, toolchain, deleted and overwritten files, duplicates, layers, secrets, root, healthcheck and latest', async () => {
    let builder = testImage().history(HISTORY).annotations({ 'org.opencontainers.image.base.name': 'docker.io/library/debian:latest' });
    for (const files of LAYERS) builder = builder.layer(files);
    const built = await builder.build(join(dir, 'advice'), 'v1');
    const image = (await analyzeImage(ociLayoutSource(built.dir))).images[0]!;
    const keyBytes = Buffer.byteLength(KEY);

    assert.deepEqual(image.secrets, [{ kind: 'openssh-private-key', path: 'root/.ssh/id_rsa', layer: 1, sizeBytes: keyBytes, detail: 'PEM block "BEGIN OPENSSH PRIVATE KEY"', isPresentInFinal: false, removedInLayer: 2 }]);
    assert.equal(image.advice[0]!.id, 'secrets', 'security first');
    assert.equal(image.advice[0]!.category, 'security');

    const caches = find(image, 'package-cache');
    assert.equal(caches.savesBytes, 10000);
    assert.deepEqual(caches.evidence.map((e) => [e.path, e.layer, e.bytes]), [['var/lib/apt/lists/', 0, 8000], ['var/cache/apt/', 0, 2000]]);

    const toolchain = find(image, 'build-toolchain');
    assert.equal(toolchain.savesBytes, 5000);
    assert.equal(toolchain.isEstimate, false);
    assert.deepEqual(toolchain.evidence.filter((e) => e.path).map((e) => [e.path, e.layer, e.bytes]), [['usr/bin/gcc', 0, 5000]]);
    assert.deepEqual(toolchain.evidence.filter((e) => !e.path).map((e) => e.note).sort(), ['dpkg package build-essential 1.0', 'dpkg package gcc-12 1.0', 'dpkg package libc6-dev 1.0', 'dpkg package make 1.0']);
    assert.equal(image.packages.manager, 'dpkg');
    assert.equal(image.packages.packages.length, 6);

    const deleted = find(image, 'deleted-files');
    assert.equal(deleted.savesBytes, 10000 + keyBytes);
    assert.deepEqual(deleted.evidence.map((e) => [e.path, e.layer, e.bytes]), [['tmp/build.tar', 2, 10000], ['root/.ssh/id_rsa', 2, keyBytes]]);
    assert.equal(find(image, 'overwritten-files').savesBytes, 300);
    assert.equal(find(image, 'duplicate-files').savesBytes, 4096);
    const combine = find(image, 'combine-layers');
    assert.deepEqual(combine.evidence.map((e) => e.layer).sort((a, b) => a! - b!), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(combine.savesBytes, 8 * 1024);
    assert.equal(find(image, 'runs-as-root').savesBytes, 0);
    assert.ok(find(image, 'no-healthcheck'));
    assert.match(find(image, 'base-latest').title, /debian:latest/);
    const slim = find(image, 'slim-base');
    assert.match(slim.suggestion, /debian:<version>-slim|distroless/);
    assert.equal(slim.isEstimate, true);
    assert.equal(slim.savesBytes, 43_000_000);
    assert.deepEqual(image.base, { name: 'docker.io/library/debian:latest', digest: null, evidence: 'annotation', layerCount: null, baseBytes: null, ownBytes: null });
  });

  it('gives no advice for a clean image: non-root user, healthcheck, pinned base, no waste', async () => {
    const built = await testImage()
      .layer({ 'app/server': 's'.repeat(2048), 'app/.env.example': 'API_KEY=changeme\n', 'app/.npmrc': 'registry=https://registry.npmjs.org/\n' })
      .config({ User: 'app', Healthcheck: { Test: ['CMD', '/app/server', '--check'] }, Labels: { 'org.opencontainers.image.base.name': 'gcr.io/distroless/static-debian12:nonroot' } })
      .build(join(dir, 'clean'));
    const image = (await analyzeImage(ociLayoutSource(built.dir))).images[0]!;
    assert.deepEqual(image.advice, []);
    assert.deepEqual(image.secrets, []);
    assert.equal(image.waste.efficiency, 1);
    assert.equal(image.waste.dive.score, 1);
    assert.equal(image.base.evidence, 'label');
    assert.deepEqual(image.runConfig.healthcheck, ['CMD', '/app/server', '--check']);
  });

  it('finds each kind of committed secret, with the layer that added it', async () => {
    const built = await testImage()
      .layer({
        'app/.env': 'DB_PASSWORD=hunter2\nexport API_TOKEN=abc\n',
        'root/.npmrc': '//registry.npmjs.org/:_authToken=npm_abcdef\n',
        'root/.docker/config.json': JSON.stringify({ auths: { 'registry.example.com': { auth: 'dXNlcjpwYXNz' }, 'empty.example.com': {} } }),
        'root/.aws/credentials': '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
      })
      .layer({
        'root/.kube/config': 'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: eyJhbGciOi\n',
        'app/settings.py': 'AWS_KEY = "AKIAABCDEFGHIJKLMNOP"\n',
        'etc/ssl/private/server.key': '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n',
        'app/README': 'Put your PRIVATE KEY in the vault, never here.\n',
      })
      .config({ User: '1000' })
      .build(join(dir, 'secrets'));
    const image = (await analyzeImage(ociLayoutSource(built.dir))).images[0]!;
    assert.deepEqual(
      image.secrets.map((s) => [s.layer, s.path, s.kind, s.isPresentInFinal]),
      [
        [0, 'app/.env', 'dotenv', true],
        [0, 'root/.aws/credentials', 'aws-credentials', true],
        [0, 'root/.aws/credentials', 'aws-access-key', true],
        [0, 'root/.docker/config.json', 'docker-auth', true],
        [0, 'root/.npmrc', 'npm-token', true],
        [1, 'app/settings.py', 'aws-access-key', true],
        [1, 'etc/ssl/private/server.key', 'private-key', true],
        [1, 'root/.kube/config', 'kubeconfig', true],
      ],
    );
    assert.equal(image.secrets.find((s) => s.kind === 'docker-auth')!.detail, 'docker config.json with credentials for registry.example.com');
    assert.equal(image.secrets.find((s) => s.kind === 'dotenv')!.detail, '.env file setting 2 variable(s): DB_PASSWORD, API_TOKEN');
    assert.ok(!JSON.stringify(image.secrets).includes('hunter2') && !JSON.stringify(image.secrets).includes('wJalrXUtnFEMI'), 'no secret values in the report');
    assert.equal(image.runConfig.isRoot, false);
  });

  it('reads apk databases and caches, and a FROM ...:latest history line', async () => {
    const built = await testImage()
      .layer({
        'lib/apk/db/installed': 'P:musl\nV:1.2.5-r0\nI:409600\n\nP:build-base\nV:0.5-r3\nI:4096\n\nP:musl-dev\nV:1.2.5-r0\nI:2048000\n',
        'var/cache/apk/APKINDEX.abc.tar.gz': 'i'.repeat(700),
      })
      .history([{ created_by: '/bin/sh -c #(nop) FROM node:latest' }])
      .build(join(dir, 'apk'));
    const image = (await analyzeImage(ociLayoutSource(built.dir))).images[0]!;
    assert.equal(image.packages.manager, 'apk');
    assert.deepEqual(image.packages.packages.map((p) => [p.name, p.sizeBytes]), [['musl', 409600], ['build-base', 4096], ['musl-dev', 2048000]]);
    const toolchain = find(image, 'build-toolchain');
    assert.equal(toolchain.savesBytes, 4096 + 2048000);
    assert.equal(toolchain.isEstimate, true);
    assert.equal(find(image, 'package-cache').savesBytes, 700);
    assert.deepEqual([image.base.name, image.base.evidence], ['node:latest', 'history']);
    assert.match(find(image, 'base-latest').title, /node:latest/);
    assert.match(find(image, 'slim-base').suggestion, /node:<version>-slim/);
  });

  it('splits base and own bytes by a catalog layer-prefix match, never matching the image itself', async () => {
    const baseFiles: LayerFiles[] = [{ 'etc/os-release': 'ID=debian\n', 'bin/sh': 's'.repeat(3000) }, { 'usr/bin/python3': 'p'.repeat(6000) }];
    const base = await testImage().layer(baseFiles[0]!).layer(baseFiles[1]!).build(join(dir, 'base'));
    const app = await testImage().layer(baseFiles[0]!).layer(baseFiles[1]!).layer({ 'app/main.py': 'print(1)\n' }).config({ User: 'app' }).build(join(dir, 'app'));
    const keys = (b: typeof base) => b.layers.map((l) => ({ digest: l.digest, diffId: l.diffId }));
    const catalog = new LayerPrefixCatalog([
      { name: 'python:3.12', digest: base.manifest.digest, layers: keys(base) },
      { name: 'debian:12', digest: 'sha256:' + 'd'.repeat(64), layers: keys(base).slice(0, 1) },
      { name: 'myself', digest: app.manifest.digest, layers: keys(app) },
    ]);
    const image = (await analyzeImage(ociLayoutSource(app.dir), { baseCatalog: catalog })).images[0]!;
    const tars = [...baseFiles, { 'app/main.py': 'print(1)\n' }].map((f) => tarArchive(f).length);
    assert.deepEqual(image.base, {
      name: 'python:3.12',
      digest: base.manifest.digest,
      evidence: 'layer-prefix',
      layerCount: 2,
      baseBytes: { compressed: app.layers[0]!.size + app.layers[1]!.size, uncompressed: tars[0]! + tars[1]! },
      ownBytes: { compressed: app.layers[2]!.size, uncompressed: tars[2]! },
    });
    assert.deepEqual(image.layers.map((l) => l.isBase), [true, true, false]);
    const slim = find(image, 'slim-base');
    assert.match(slim.suggestion, /python:3\.12-slim/);
    assert.equal(slim.savesBytes, 0, 'this base is already smaller than python:slim usually is');
    assert.ok(!image.advice.some((a) => a.id === 'base-latest'));
  });

  it('analyses one platform of an index, a chosen one, or all', async () => {
    const index = await testIndex()
      .image(testImage().platform({ os: 'linux', architecture: 'amd64' }).layer({ 'bin/app': 'a'.repeat(100) }))
      .image(testImage().platform({ os: 'linux', architecture: 'arm64', variant: 'v8' }).layer({ 'bin/app': 'b'.repeat(200) }).layer({ [whiteout('bin/app')]: '' }))
      .build(join(dir, 'index'));
    const source = ociLayoutSource(index.dir);
    const summary = (images: PlatformImageAnalysis[]) => images.map((i) => [i.manifestDigest, i.platform?.architecture, i.totals.finalFileBytes, i.waste.wastedBytes, i.waste.efficiency]);
    const all = await analyzeImage(source, { platform: 'all' });
    assert.equal(all.digest, index.index.digest);
    assert.equal(all.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(summary(all.images), [
      [index.images[0]!.manifest.digest, 'amd64', 100, 0, 1],
      [index.images[1]!.manifest.digest, 'arm64', 0, 200, 0],
    ]);
    assert.deepEqual(summary((await analyzeImage(source)).images), summary(all.images.slice(0, 1)));
    assert.deepEqual(summary((await analyzeImage(source, { platform: { os: 'linux', architecture: 'arm64' } })).images), summary(all.images.slice(1)));
  });

  it('reports progress up to every compressed byte, and stops with the signal reason when aborted', async () => {
    const built = await testImage().layer({ a: 'a'.repeat(1000) }).layer({ b: 'b'.repeat(1000) }).build(join(dir, 'progress'));
    const seen: AnalysisProgress[] = [];
    await analyzeImage(ociLayoutSource(built.dir), { onProgress: (p) => seen.push(p) });
    const total = built.layers.reduce((s, l) => s + l.size, 0);
    assert.deepEqual(seen.at(-1), { imageIndex: 0, imageCount: 1, platform: { os: 'linux', architecture: 'amd64' }, layerIndex: 2, layerCount: 2, compressedBytesRead: total, compressedBytesTotal: total });
    assert.deepEqual([...new Set(seen.map((p) => p.layerIndex))], [0, 1, 2]);
    assert.ok(seen.every((p, i) => i === 0 || p.compressedBytesRead >= seen[i - 1]!.compressedBytesRead));

    const controller = new AbortController();
    const reason = new Error('stop now');
    await assert.rejects(
      analyzeImage(ociLayoutSource(built.dir), { signal: controller.signal, onProgress: (p) => p.layerIndex === 1 && controller.abort(reason) }),
      (err) => err === reason,
    );
  });
});
