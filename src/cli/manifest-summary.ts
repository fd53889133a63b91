import { isBerthError } from '../errors/berth-error.ts';
import { FOREIGN_LAYER_TYPES, parseDescriptor, type Descriptor } from '../oci/manifest.ts';
import { isIndexMediaType } from '../oci/media-types.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';

/** What the CLI shows and copies of a manifest: an image (config + layers) or an index (child manifests). */
export type ManifestSummary =
  | { kind: 'image'; config: Descriptor; layers: Descriptor[]; artifactType?: string; subject?: Descriptor; annotations?: Record<string, string> }
  | { kind: 'index'; manifests: Descriptor[]; artifactType?: string; subject?: Descriptor; annotations?: Record<string, string> };

/** Reads manifest bytes a registry served. Throws CliError(FAILURE) when they are not a manifest. */
export function summarizeManifest(bytes: Buffer, mediaType: string, what: string): ManifestSummary {
  try {
    const body = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    const common = {
      ...(typeof body.artifactType === 'string' ? { artifactType: body.artifactType } : {}),
      ...(body.subject !== undefined ? { subject: parseDescriptor(body.subject, 'subject') } : {}),
      ...(typeof body.annotations === 'object' && body.annotations !== null ? { annotations: body.annotations as Record<string, string> } : {}),
    };
    if (isIndexMediaType(mediaType) || (Array.isArray(body.manifests) && body.config === undefined)) {
      const list = Array.isArray(body.manifests) ? body.manifests : [];
      return { kind: 'index', manifests: list.map((d, i) => parseDescriptor(d, `manifests[${i}]`)), ...common };
    }
    const layers = Array.isArray(body.layers) ? body.layers.map((d, i) => parseDescriptor(d, `layers[${i}]`)) : [];
    return { kind: 'image', config: parseDescriptor(body.config, 'config'), layers, ...common };
  } catch (err) {
    const reason = isBerthError(err) ? err.message : 'not valid JSON';
    throw new CliError(`${what}: the registry served an unreadable manifest (${reason})`, EXIT.FAILURE);
  }
}

/** The blobs an image needs in its repository: config and layers, without foreign layers, each once. */
export function requiredBlobs(summary: ManifestSummary): Descriptor[] {
  if (summary.kind !== 'image') return [];
  const seen = new Set<string>();
  return [summary.config, ...summary.layers].filter((d) => {
    if ((FOREIGN_LAYER_TYPES.has(d.mediaType) && d.urls?.length) || seen.has(d.digest)) return false;
    seen.add(d.digest);
    return true;
  });
}

export function platformString(d: Descriptor): string {
  return d.platform ? [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join('/') : '-';
}
