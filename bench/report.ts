/**
 * What `npm run bench` compares: the regbench headline metrics of Berth and of the reference registry, their
 * ratio and the target each ratio must meet. Pure functions over regbench's JSON summaries.
 */

/** The part of a regbench `--out` file the report reads. */
export interface RegbenchResult {
  headline: Record<string, number | boolean>;
  errors: Record<string, string>;
}

export interface Metric {
  key: string;
  label: string;
  unit: string;
  /** The regbench phase that produces it (for --only/--skip). */
  phase: string;
  /** Reads the value from one run's headline; undefined when the phase did not run. */
  read(h: RegbenchResult['headline']): number | undefined;
  /** How the ratio column is computed: Berth/reference (throughput, memory) or reference/Berth ("x faster"). */
  ratio: 'berth/ref' | 'ref/berth';
  /** Minimum ratio (relative targets) or maximum absolute Berth value (absolute targets). */
  target?: { kind: 'ratio'; min: number } | { kind: 'absolute'; max: number };
}

const num = (v: number | boolean | undefined): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const field = (key: string) => (h: RegbenchResult['headline']) => num(h[key]);

/** Peak RSS over every measured section (regbench resets VmHWM at each phase start). */
function peakRss(h: RegbenchResult['headline']): number | undefined {
  const values = Object.entries(h)
    .filter(([k]) => k.endsWith('.server_vmhwm_mib'))
    .map(([, v]) => num(v))
    .filter((v): v is number => v !== undefined);
  return values.length > 0 ? Math.max(...values) : undefined;
}

/** Rate per second of server CPU: what the server does with the CPU it got, so less sensitive to a busy machine. */
const perServerCpu = (rateKey: string, prefix: string) => (h: RegbenchResult['headline']) => {
  const rate = num(h[rateKey]);
  const cores = num(h[`${prefix}.server_cpu_util`]);
  return rate !== undefined && cores !== undefined && cores > 0 ? rate / cores : undefined;
};

export const METRICS: Metric[] = [
  { key: 'push_mono', label: 'monolithic push', unit: 'MB/s', phase: 'push-mono', read: field('push_mono.MBps'), ratio: 'berth/ref', target: { kind: 'ratio', min: 2 } },
  { key: 'push_chunked', label: 'chunked push (8 MiB PATCH)', unit: 'MB/s', phase: 'push-chunked', read: field('push_chunked.MBps'), ratio: 'berth/ref', target: { kind: 'ratio', min: 2 } },
  { key: 'pull', label: 'pull, sha256 verified', unit: 'MB/s', phase: 'pull', read: field('pull.MBps'), ratio: 'berth/ref', target: { kind: 'ratio', min: 1 } },
  { key: 'pull_curl', label: 'pull, curl to /dev/null', unit: 'MB/s', phase: 'pull', read: field('pull.curl_devnull.MBps'), ratio: 'berth/ref' },
  { key: 'small_blobs', label: 'small blobs (POST+PUT, 16 at once)', unit: 'ops/s', phase: 'small-blobs', read: field('small_blobs.ops_per_s'), ratio: 'berth/ref', target: { kind: 'ratio', min: 4 } },
  { key: 'manifest_get', label: 'manifest GET by tag (32 conns)', unit: 'req/s', phase: 'manifest-get', read: field('manifest_get.node.rps'), ratio: 'berth/ref', target: { kind: 'ratio', min: 10 } },
  { key: 'head', label: 'HEAD blob (32 conns)', unit: 'req/s', phase: 'head', read: field('head.node.rps'), ratio: 'berth/ref', target: { kind: 'ratio', min: 10 } },
  { key: 'small_blobs_cpu', label: '  small blobs per server CPU-second', unit: 'ops', phase: 'small-blobs', read: perServerCpu('small_blobs.ops_per_s', 'small_blobs'), ratio: 'berth/ref' },
  { key: 'manifest_get_cpu', label: '  manifest GET per server CPU-second', unit: 'req', phase: 'manifest-get', read: perServerCpu('manifest_get.node.rps', 'manifest_get.node'), ratio: 'berth/ref' },
  { key: 'head_cpu', label: '  HEAD blob per server CPU-second', unit: 'req', phase: 'head', read: perServerCpu('head.node.rps', 'head.node'), ratio: 'berth/ref' },
  { key: 'head_ab', label: 'HEAD blob, ab -k cross-check', unit: 'req/s', phase: 'head', read: field('head.ab.rps'), ratio: 'berth/ref' },
  { key: 'tag_put', label: 'manifest PUT, one per tag', unit: 'ops/s', phase: 'tags', read: field('tags.manifest_put.ops_per_s'), ratio: 'berth/ref' },
  { key: 'tags_list', label: 'tags/list, all tags (p50)', unit: 'ms', phase: 'tags', read: field('tags.list_full.p50_ms'), ratio: 'ref/berth', target: { kind: 'ratio', min: 2 } },
  { key: 'peak_rss', label: 'server peak RSS', unit: 'MiB', phase: '*', read: peakRss, ratio: 'berth/ref', target: { kind: 'absolute', max: 150 } },
];

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Row {
  metric: Metric;
  berth?: number;
  reference?: number;
  berthValues: number[];
  referenceValues: number[];
  ratio?: number;
  status: 'met' | 'missed' | 'n/a' | '';
}

/** One row per metric: medians over the rounds, the ratio and whether the target is met. */
export function buildRows(berth: RegbenchResult[], reference: RegbenchResult[]): Row[] {
  return METRICS.map((metric) => {
    const berthValues = berth.map((r) => metric.read(r.headline)).filter((v): v is number => v !== undefined);
    const referenceValues = reference.map((r) => metric.read(r.headline)).filter((v): v is number => v !== undefined);
    const b = median(berthValues);
    const ref = median(referenceValues);
    const ratio = b !== undefined && ref !== undefined && b > 0 && ref > 0 ? (metric.ratio === 'berth/ref' ? b / ref : ref / b) : undefined;
    let status: Row['status'] = '';
    if (metric.target?.kind === 'ratio') status = ratio === undefined ? 'n/a' : ratio >= metric.target.min ? 'met' : 'missed';
    if (metric.target?.kind === 'absolute') status = b === undefined ? 'n/a' : b < metric.target.max ? 'met' : 'missed';
    return { metric, berthValues, referenceValues, status, ...(b !== undefined ? { berth: b } : {}), ...(ref !== undefined ? { reference: ref } : {}), ...(ratio !== undefined ? { ratio } : {}) };
  });
}

function fmt(v: number | undefined): string {
  if (v === undefined) return '-';
  if (v >= 100) return String(Math.round(v));
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function targetText(m: Metric): string {
  if (!m.target) return '';
  if (m.target.kind === 'absolute') return `< ${m.target.max} ${m.unit}`;
  return m.ratio === 'ref/berth' ? `>= ${m.target.min}x faster` : `>= ${m.target.min}x`;
}

/** A Markdown table (also readable on a terminal). */
export function renderTable(rows: Row[], rounds: number): string {
  const header = ['phase', 'unit', 'Berth', 'reference', 'ratio', 'target', 'status'];
  const lines = rows
    .filter((r) => r.berth !== undefined || r.reference !== undefined)
    .map((r) => [r.metric.label, r.metric.unit, fmt(r.berth), fmt(r.reference), r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`, targetText(r.metric), r.status]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (i >= 2 && i <= 4 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  const how = 'ratio: Berth/reference, except latency rows: reference/Berth ("x faster")';
  const note = rounds > 1 ? `\n${how}; medians of ${rounds} rounds, ratio of the medians` : `\n${how}`;
  return [row(header), sep, ...lines.map(row)].join('\n') + note;
}
