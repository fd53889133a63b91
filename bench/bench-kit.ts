/** Pieces the single-process benchmarks (analyze, scan) share: options, the gunzip floor, peak RSS. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const MB = 1000 * 1000;

/** `--name=N` from the command line, else `fallback`. */
export function option(name: string, fallback: number): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`));
  return raw ? Number(raw.slice(name.length + 3)) : fallback;
}

/** `--name=TEXT` from the command line, or undefined. */
export function textOption(name: string): string | undefined {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`));
  return raw?.slice(name.length + 3);
}

/** Seconds `gunzip -c < blob > /dev/null` takes over every blob, one after the other (the floor any reader pays). */
export function gunzipSeconds(blobs: string[]): number {
  return gunzipRun(blobs).seconds;
}

/**
 * gunzipSeconds with the CPU seconds gunzip used (user + system, from bash's `times`): on a loaded machine the
 * CPU work is the steadier figure to compare with.
 */
export function gunzipRun(blobs: string[]): { seconds: number; cpuSeconds: number } {
  const started = process.hrtime.bigint();
  const script = `${blobs.map((b) => `gunzip -c < '${b}' > /dev/null || exit 3`).join('\n')}\ntimes`;
  const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`gunzip failed (${run.status}): install gzip`);
  // `times` prints the shell's user/system times, then its children's: "0m1.234s 0m0.056s".
  const children = run.stdout.trim().split('\n').at(-1) ?? '';
  const parts = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (parts.length !== 2) throw new Error(`cannot read gunzip's CPU time from ${JSON.stringify(run.stdout)}`);
  return { seconds, cpuSeconds: parts[0]! + parts[1]! };
}

/**
 * The process's peak RSS in KiB from /proc (VmHWM belongs to this program's memory map; getrusage's maxRSS is
 * not used because Linux carries it over from the parent across fork and exec).
 */
export function peakRssKiB(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error('no VmHWM in /proc/self/status (the benchmark needs Linux)');
  return Number(m[1]);
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
