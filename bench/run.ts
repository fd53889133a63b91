/**
 * `npm run bench`: Berth against the reference registry (CNCF Distribution, `docker-registry`), measured with
 * the shared regbench harness in the same run, phase by phase, with the ratio and the target for each.
 *
 *   npm run bench -- [--rounds=N] [--only=PHASES] [--skip=PHASES] [--registry=both|berth|reference]
 *                    [--berth-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"] [any other regbench option]
 *   npm run bench -- --only=scan|analyze [that benchmark's options]   (single-process benchmarks, no registries)
 *
 * Each round starts each registry fresh (new data directory, free loopback port), runs regbench against it and
 * stops it; the order alternates between rounds so slow drift on a shared machine hits both sides alike.
 * Raw regbench JSON and a summary go to bench/results/<timestamp>/.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildRows, renderTable, type RegbenchResult } from './report.ts';
import { requireFile, startBerth, startReference, type BenchServer, type ServerOptions } from './servers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED_BENCH = resolve(ROOT, '../shared/bench');
const REGBENCH = join(SHARED_BENCH, 'regbench.mjs');

interface Options {
  rounds: number;
  /** Run Berth with authentication on; regbench then sends Basic credentials (issue #3's 80% target). */
  isAuth: boolean;
  registries: Array<BenchServer['name']>;
  berthNodeArgs: string[];
  /** Passed to regbench unchanged (--only, --skip, --duration, ...). */
  passThrough: string[];
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { rounds: 1, isAuth: false, registries: ['berth', 'reference'], berthNodeArgs: [], passThrough: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [key, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (key === '--rounds') {
      opts.rounds = Number(value());
      if (!Number.isInteger(opts.rounds) || opts.rounds < 1) throw new Error('--rounds must be a positive integer');
    } else if (key === '--registry') {
      const v = value();
      if (!['both', 'berth', 'reference'].includes(v)) throw new Error('--registry must be both, berth or reference');
      opts.registries = v === 'both' ? ['berth', 'reference'] : [v as BenchServer['name']];
    } else if (key === '--auth') {
      opts.isAuth = true;
    } else if (key === '--berth-node-args') {
      opts.berthNodeArgs = value().split(/\s+/).filter(Boolean);
    } else if (key === '--help' || key === '-h') {
      process.stdout.write(`${readHelp()}\n`);
      process.exit(0);
    } else {
      opts.passThrough.push(arg);
    }
  }
  return opts;
}

function readHelp(): string {
  return `npm run bench -- [--rounds=N] [--only=PHASES] [--skip=PHASES] [--registry=both|berth|reference] [--auth]
                 [--berth-node-args="--cpu-prof --cpu-prof-dir=DIR"] [other regbench options, see
                 node ${REGBENCH} --help]
       npm run bench -- --only=scan [--runs=N] [--workdir=DIR] [--keep] [--cpu-prof=DIR]   (bench/scan.bench.ts)
       npm run bench -- --only=analyze [--mb=N] [--layers=N] [--runs=N]                    (bench/analyze.bench.ts)`;
}

/** Runs regbench against `url`; its progress goes to our stderr, its JSON summary to `outFile`. */
async function runRegbench(url: string, outFile: string, passThrough: string[]): Promise<RegbenchResult> {
  const workdir = await mkdtemp(join(tmpdir(), 'regbench-'));
  try {
    const child = spawn(process.execPath, [REGBENCH, url, `--workdir=${workdir}`, `--out=${outFile}`, ...passThrough], { stdio: ['ignore', 'ignore', 'inherit'] });
    const code = await new Promise<number | null>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (c) => res(c));
    });
    // Exit 3 means some phase failed; the summary is still written and its errors are reported below.
    if (code !== 0 && code !== 3) throw new Error(`regbench against ${url} exited with ${code}`);
    return JSON.parse(await readFile(outFile, 'utf8')) as RegbenchResult;
  } finally {
    await rm(workdir, { recursive: true, force: true });
  }
}

/** Builds dist/berth.mjs as `npm start` does, so the benchmark runs the same bundle. */
async function buildBerth(): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('exit', (c) => res(c));
  });
  if (code !== 0) throw new Error(`scripts/build.mjs exited with ${code}`);
}

/** `--only=scan` or `--only=analyze`: that single-process benchmark instead of regbench, with the other options. */
async function runSingleProcessBench(name: string, args: string[]): Promise<never> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', `${name}.bench.ts`), ...args], { stdio: 'inherit' });
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('exit', (c) => res(c));
  });
  process.exit(code ?? 1);
}

async function main(): Promise<void> {
  const single = process.argv.slice(2).find((a) => a === '--only=scan' || a === '--only=analyze');
  if (single) await runSingleProcessBench(single.slice('--only='.length), process.argv.slice(2).filter((a) => a !== single));
  const opts = parseOptions(process.argv.slice(2));
  try {
    requireFile(REGBENCH, 'the shared regbench harness (expected in ../shared/bench beside the repository)');
    requireFile(join(SHARED_BENCH, 'distribution-config.yml'), 'the reference registry config');
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(ROOT, 'bench', 'results', stamp);
  await mkdir(outDir, { recursive: true });
  await buildBerth();
  const auth = opts.isAuth ? { password: `bench-${Date.now()}-secret` } : undefined;
  const serverOpts: ServerOptions = { root: ROOT, sharedBench: SHARED_BENCH, berthNodeArgs: opts.berthNodeArgs, ...(auth ? { auth } : {}) };
  const results: Record<BenchServer['name'], RegbenchResult[]> = { berth: [], reference: [] };
  const failures: string[] = [];

  for (let round = 1; round <= opts.rounds; round++) {
    const order = round % 2 === 1 ? opts.registries : [...opts.registries].reverse();
    for (const name of order) {
      process.stderr.write(`\n=== round ${round}/${opts.rounds}: ${name}\n`);
      const server = name === 'berth' ? await startBerth(serverOpts) : await startReference(serverOpts);
      try {
        const credentials = name === 'berth' && auth ? [`--basic=admin:${auth.password}`] : [];
        const result = await runRegbench(server.url, join(outDir, `${name}-round${round}.json`), [...credentials, ...opts.passThrough]);
        results[name].push(result);
        for (const [phase, message] of Object.entries(result.errors)) failures.push(`${name} round ${round} ${phase}: ${message}`);
      } finally {
        await server.stop();
      }
    }
  }

  const rows = buildRows(results.berth, results.reference);
  const table = renderTable(rows, opts.rounds);
  const machine = { ncpu: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version, loadavg: loadavg() };
  await writeFile(
    join(outDir, 'summary.json'),
    `${JSON.stringify({ rounds: opts.rounds, isAuth: opts.isAuth, regbenchArgs: opts.passThrough, machine, failures, rows: rows.map((r) => ({ ...r, metric: r.metric.key, label: r.metric.label, unit: r.metric.unit, target: r.metric.target })) }, null, 2)}\n`,
  );
  await writeFile(join(outDir, 'table.md'), `${table}\n`);
  process.stdout.write(`\n${table}\n\nmachine: ${machine.ncpu} x ${machine.cpu}, node ${machine.node}; results in ${outDir}\n`);
  if (failures.length > 0) {
    process.stdout.write(`\nphase failures:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
