import { formatBytes, formatTable } from './output.ts';
import type { Advice, FinalFile, ImageAnalysis, PlatformImageAnalysis } from '../analyze/analysis.types.ts';

const MAX_EVIDENCE_SHOWN = 5;
const CREATED_BY_WIDTH = 70;

function platformText(p: PlatformImageAnalysis['platform']): string {
  return p ? `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}` : 'unknown';
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

function shorten(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 3)}...` : flat;
}

function layerTable(image: PlatformImageAnalysis): string {
  const rows = image.layers.map((l) => [
    String(l.index),
    formatBytes(l.compressedBytes),
    formatBytes(l.uncompressedBytes),
    l.detectedCompression ?? l.compression,
    `+${l.summary.added} ~${l.summary.modified} -${l.summary.deleted}`,
    `${l.isBase ? '[base] ' : ''}${shorten(l.createdBy ?? '(no history)', CREATED_BY_WIDTH)}`,
  ]);
  return formatTable([['#', 'COMPRESSED', 'UNCOMPRESSED', 'TYPE', 'CHANGES', 'CREATED BY'], ...rows]).replace(/^/gm, '  ');
}

function adviceText(a: Advice): string[] {
  const saves = a.savesBytes > 0 ? ` (saves ${a.isEstimate ? '~' : ''}${formatBytes(a.savesBytes)})` : '';
  const lines = [`  [${a.severity}] ${a.title}${saves}`, `      ${a.suggestion}`];
  for (const e of a.evidence.slice(0, MAX_EVIDENCE_SHOWN)) {
    const where = [e.layer !== undefined ? `layer ${e.layer}` : undefined, e.bytes !== undefined ? formatBytes(e.bytes) : undefined].filter(Boolean).join(', ');
    lines.push(`      - ${[e.path, where ? `(${where})` : undefined, e.note].filter(Boolean).join(' ')}`);
  }
  const more = a.evidence.length - MAX_EVIDENCE_SHOWN + a.moreEvidence;
  if (more > 0) lines.push(`      ... and ${more} more (--json lists them)`);
  return lines;
}

function imageText(image: PlatformImageAnalysis, isMulti: boolean): string[] {
  const { totals, waste, base, runConfig } = image;
  const lines: string[] = [];
  if (isMulti) lines.push(`== ${platformText(image.platform)}  ${image.manifestDigest}`);
  else lines.push(`Platform:   ${platformText(image.platform)}`, `Manifest:   ${image.manifestDigest}`);
  lines.push(
    '',
    `Layers (${totals.layerCount}): ${formatBytes(totals.compressedBytes)} compressed, ${formatBytes(totals.uncompressedBytes)} uncompressed`,
    layerTable(image),
    '',
    `Final filesystem: ${totals.finalFileCount} files, ${formatBytes(totals.finalFileBytes)} (${totals.finalPathCount} paths)`,
    `Efficiency: ${percent(waste.efficiency)}  wasted ${formatBytes(waste.wastedBytes)} of ${formatBytes(waste.layerFileBytes)} file bytes (overwritten ${formatBytes(waste.overwrittenBytes)}, deleted ${formatBytes(waste.deletedBytes)}); dive score ${percent(waste.dive.score)}`,
    `Duplicates: ${waste.duplicates.length} content(s) stored more than once, ${formatBytes(waste.duplicateBytes)} extra`,
  );
  if (base.name || base.digest) {
    const split = base.baseBytes && base.ownBytes ? `; base ${formatBytes(base.baseBytes.uncompressed)} (${base.layerCount} layers), own ${formatBytes(base.ownBytes.uncompressed)}` : '';
    lines.push(`Base image: ${base.name ?? base.digest} (from ${base.evidence})${split}`);
  } else {
    lines.push('Base image: not recognised');
  }
  lines.push(`User: ${runConfig.isRoot ? `root (${runConfig.user ? `"${runConfig.user}"` : 'not set'})` : runConfig.user}; healthcheck: ${runConfig.healthcheck ? runConfig.healthcheck.join(' ') : 'none'}`);
  if (image.packages.manager) lines.push(`Packages: ${image.packages.packages.length} (${image.packages.manager})`);
  if (image.secrets.length > 0) {
    lines.push('', `Security findings (${image.secrets.length}):`);
    const rows = image.secrets.map((s) => [s.kind, s.path, `added in layer ${s.layer}`, s.isPresentInFinal ? 'present' : `removed in layer ${s.removedInLayer ?? '?'} (still in layer ${s.layer})`, s.detail]);
    lines.push(formatTable(rows).replace(/^/gm, '  '));
  }
  if (image.advice.length > 0) {
    const total = image.advice.filter((a) => a.category === 'size').reduce((s, a) => s + a.savesBytes, 0);
    lines.push('', `Advice (${image.advice.length}${total > 0 ? `; size advice could save up to ${formatBytes(total)}` : ''}):`);
    for (const a of image.advice) lines.push(...adviceText(a));
  }
  if (image.issues.length > 0) lines.push('', `Reading issues: ${image.issues.length} (see --json)`);
  return lines;
}

/** The readable report `berth analyze` prints. */
export function analysisText(analysis: ImageAnalysis): string {
  const isMulti = analysis.images.length > 1;
  const lines = [`Image:      ${analysis.source}`, `Digest:     ${analysis.digest} (${analysis.mediaType})`];
  if (!isMulti) lines.push(...imageText(analysis.images[0]!, false));
  else for (const image of analysis.images) lines.push('', ...imageText(image, true));
  return `${lines.join('\n')}\n`;
}

/** The final filesystem as an indented tree with sizes and the layer that wrote each path. */
export function fileTreeText(files: readonly FinalFile[]): string {
  const rows = files.map((f) => {
    const depth = f.path.split('/').length - 1;
    const name = f.path.slice(f.path.lastIndexOf('/') + 1) + (f.type === 'directory' ? '/' : '');
    const link = f.linkTarget !== undefined ? ` -> ${f.linkTarget}` : '';
    const size = f.type === 'file' ? formatBytes(f.sizeBytes) : '';
    return [`${'  '.repeat(depth)}${name}${link}`, size, `layer ${f.layer}`];
  });
  return `${formatTable([['PATH', 'SIZE', 'LAYER'], ...rows])}\n`;
}
