import type { Advice, AdviceEvidence, BaseImageReport, FinalFile, LayerAnalysis, PackageInventory, RunConfigSummary, SecretFinding, WasteReport } from './analysis.types.ts';

/** Everything the advice rules read: the analysis so far, nothing more. */
export interface AdviceInput {
  layers: readonly LayerAnalysis[];
  finalFiles: readonly FinalFile[];
  waste: WasteReport;
  base: BaseImageReport;
  runConfig: RunConfigSummary;
  packages: PackageInventory;
  secrets: readonly SecretFinding[];
  /** Images named by history `FROM` lines. */
  historyBaseNames: readonly string[];
}

export type AdviceRule = (input: AdviceInput) => Advice[];

export const MAX_EVIDENCE = 50;

/** An advice item with its evidence capped at MAX_EVIDENCE (largest first when bytes are given). */
export function makeAdvice(fields: Omit<Advice, 'evidence' | 'moreEvidence' | 'isEstimate'> & { isEstimate?: boolean }, evidence: AdviceEvidence[]): Advice {
  const sorted = evidence.some((e) => e.bytes !== undefined) ? [...evidence].sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0)) : evidence;
  return { ...fields, isEstimate: fields.isEstimate ?? false, evidence: sorted.slice(0, MAX_EVIDENCE), moreEvidence: Math.max(0, sorted.length - MAX_EVIDENCE) };
}

/** Final regular files grouped by the first matching pattern: group label -> files. */
export function groupFiles(files: readonly FinalFile[], patterns: ReadonlyArray<{ label: string; re: RegExp }>): Map<string, FinalFile[]> {
  const groups = new Map<string, FinalFile[]>();
  for (const file of files) {
    if (file.type !== 'file' && file.type !== 'symlink' && file.type !== 'hardlink') continue;
    const hit = patterns.find((p) => p.re.test(file.path));
    if (!hit) continue;
    const list = groups.get(hit.label);
    if (list) list.push(file);
    else groups.set(hit.label, [file]);
  }
  return groups;
}

/** One evidence line for a group of files: bytes summed, the layer that wrote most of them. */
export function groupEvidence(label: string, files: readonly FinalFile[]): AdviceEvidence {
  const byLayer = new Map<number, number>();
  for (const f of files) byLayer.set(f.layer, (byLayer.get(f.layer) ?? 0) + f.sizeBytes);
  const [layer] = [...byLayer].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
  const layers = [...byLayer.keys()].sort((a, b) => a - b);
  return { path: label, layer, bytes: files.reduce((s, f) => s + f.sizeBytes, 0), note: `${files.length} file(s)${layers.length > 1 ? ` from layers ${layers.join(', ')}` : ''}` };
}

/** `name[:tag][@digest]` split; the tag is undefined when the name has none. */
export function splitImageName(name: string): { repository: string; tag: string | undefined; digest: string | undefined } {
  const [rest, digest] = name.split('@') as [string, string | undefined];
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/');
  return { repository: hasTag ? rest.slice(0, colon) : rest, tag: hasTag ? rest.slice(colon + 1) : undefined, digest };
}
