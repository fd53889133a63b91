/**
 * Image analysis throughput: `node --import tsx bench/analyze.bench.ts [--mb=400] [--layers=12] [--runs=2]`.
 *
 * Builds a large multi-layer gzip image (generated text-like files, ~2.3:1 compressible, plus a layer that
 * overwrites and deletes some of them) as an OCI layout in a temp directory, then measures on this machine:
 *   - the raw rate of `gunzip -c < layer > /dev/null` over the same layer blobs (the floor any reader pays);
 *   - `analyzeImage` over the layout in a fresh child process (so its peak RSS is the analysis's own), in MB/s
 *     of compressed layer bytes, with the child's peak RSS before and after the analysis.
 * Best of --runs for both. Prints a table; nothing is asserted.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeImage } from '../src/analyze/analyze-image.ts';
import { ociLayoutSource } from '../src/image/oci-layout.source.ts';
import { testImage, whiteout, type LayerFiles } from '../test/helpers/test-image.ts';
import { gunzipSeconds, MB, option, peakRssKiB } from './bench-kit.ts';

/** xorshift32: the same image every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/** 4 MiB of word-like text from a small vocabulary: gzip takes it to under half, like source and docs. */
function corpus(random: () => number): Buffer {
  const words = Array.from({ length: 4096 }, (_, i) => Array.from({ length: 2 + (i % 9) }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join(''));
  const parts: string[] = [];
  let length = 0;
  while (length < 4 * 1024 * 1024) {
    const w = words[Math.floor(random() * words.length)]!;
    const sep = random() < 0.08 ? '\n' : ' ';
    parts.push(w, sep);
    length += w.length + 1;
  }
  return Buffer.from(parts.join(''));
}

async function buildImage(dir: string, totalMb: number, layerCount: number) {
  const random = prng(42);
  const text = corpus(random);
  const perLayer = (totalMb * MB) / layerCount;
  let builder = testImage();
  const written: string[] = [];
  for (let layer = 0; layer < layerCount; layer++) {
    const files: LayerFiles = {};
    let bytes = 0;
    for (let n = 0; bytes < perLayer; n++) {
      // Like a distribution's tree: 95% small files (128 B .. 32 KiB), 5% large (32 KiB .. 4 MiB), log-uniform.
      const size = random() < 0.95 ? Math.floor(128 * Math.pow(256, random())) : Math.floor(32 * 1024 * Math.pow(128, random()));
      const start = Math.floor(random() * (text.length - size));
      const path = `usr/share/layer${layer}/d${n % 97}/f${n}.txt`;
      files[path] = text.subarray(start, start + size);
      written.push(path);
      bytes += size;
    }
    builder = builder.layer(files);
  }
  // Waste: a top layer rewrites every 50th file and deletes one directory of layer 1.
  const top: LayerFiles = { [whiteout('usr/share/layer1/d3')]: '' };
  for (const path of written.filter((_, i) => i % 50 === 0)) top[path] = 'rewritten\n';
  builder = builder.layer(top);
  return builder.build(dir, 'bench');
}

interface ChildResult {
  seconds: number;
  startRssKiB: number;
  peakRssKiB: number;
  uncompressedBytes: number;
  finalFiles: number;
  efficiency: number;
  wastedBytes: number;
}

/** Runs the analysis in a fresh process; its peak RSS is then the analysis's own (plus Node and tsx). */
function analyzeInChild(dir: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ChildResult) : reject(new Error(`analysis child exited ${code}`))));
  });
}

async function child(dir: string): Promise<void> {
  const startRssKiB = peakRssKiB();
  const started = process.hrtime.bigint();
  const analysis = await analyzeImage(ociLayoutSource(dir));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const image = analysis.images[0]!;
  const result: ChildResult = {
    seconds,
    startRssKiB,
    peakRssKiB: peakRssKiB(),
    uncompressedBytes: image.totals.uncompressedBytes,
    finalFiles: image.totals.finalFileCount,
    efficiency: image.waste.efficiency,
    wastedBytes: image.waste.wastedBytes,
  };
  process.stdout.write(JSON.stringify(result));
}

async function main(): Promise<void> {
  const totalMb = option('mb', 400);
  const layerCount = option('layers', 12);
  const runs = option('runs', 2);
  const dir = await mkdtemp(join(tmpdir(), 'berth-analyze-bench-'));
  try {
    const genStarted = Date.now();
    const built = await buildImage(join(dir, 'layout'), totalMb, layerCount);
    const compressed = built.layers.reduce((s, l) => s + l.size, 0);
    console.log(`built ${built.layers.length} layers, ${(compressed / MB).toFixed(1)} MB gzip, in ${((Date.now() - genStarted) / 1000).toFixed(1)} s`);
    const blobs = built.layers.map((l) => join(built.dir, 'blobs', 'sha256', l.digest.slice('sha256:'.length)));
    const gunzip = Math.min(...Array.from({ length: runs }, () => gunzipSeconds(blobs)));
    const results: ChildResult[] = [];
    for (let i = 0; i < runs; i++) results.push(await analyzeInChild(built.dir));
    const best = results.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const rows = [
      ['image', `${built.layers.length} layers, ${(compressed / MB).toFixed(1)} MB compressed, ${(best.uncompressedBytes / MB).toFixed(1)} MB uncompressed, ${best.finalFiles} final files`],
      ['gunzip -c > /dev/null', `${gunzip.toFixed(2)} s, ${(compressed / MB / gunzip).toFixed(1)} MB/s compressed (${(best.uncompressedBytes / MB / gunzip).toFixed(1)} MB/s uncompressed)`],
      ['analyzeImage', `${best.seconds.toFixed(2)} s, ${(compressed / MB / best.seconds).toFixed(1)} MB/s compressed (${(best.uncompressedBytes / MB / best.seconds).toFixed(1)} MB/s uncompressed), ${((gunzip / best.seconds) * 100).toFixed(0)}% of the gunzip rate`],
      ['peak RSS', `${(best.peakRssKiB / 1024).toFixed(0)} MiB (${(best.startRssKiB / 1024).toFixed(0)} MiB before the analysis started)`],
      ['result', `efficiency ${(best.efficiency * 100).toFixed(2)}%, wasted ${(best.wastedBytes / MB).toFixed(1)} MB`],
      ['all runs (s)', results.map((r) => r.seconds.toFixed(2)).join(', ')],
    ];
    for (const [k, v] of rows as Array<[string, string]>) console.log(`${k.padEnd(24)}${v}`);
  } finally {
    if (!process.argv.includes('--keep')) await rm(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt !== -1) await child(process.argv[childAt + 1]!);
else await main();
