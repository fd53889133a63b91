import { BerthError } from '../errors/berth-error.ts';
import { isDigest, type Digest } from './digest.ts';
import { isIndexMediaType, isManifestMediaType, MediaType, type ManifestMediaType } from './media-types.ts';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

/** What Berth needs to know about a manifest to store, link and serve it; the bytes stay as pushed. */
export interface ParsedManifest {
  mediaType: ManifestMediaType;
  /** Blobs that must be present in the repository (config and layers, without foreign layers). */
  blobs: Digest[];
  /** Child manifests (of an index) that must be present in the repository. */
  manifests: Descriptor[];
  subject?: Descriptor;
  /** The artifact type the referrers API reports: `artifactType`, else the config media type of an image. */
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Content types a client may send for a manifest whose own `mediaType` field (or shape) then decides. */
const GENERIC_CONTENT_TYPES = new Set(['', 'application/json', 'application/octet-stream']);
/** Layer types that point outside the registry; with `urls` they are never required in a repository. */
export const FOREIGN_LAYER_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

function invalid(message: string, detail?: Record<string, unknown>): BerthError {
  return new BerthError('MANIFEST_INVALID', { message: `manifest invalid: ${message}`, ...(detail ? { detail } : {}) });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseAnnotations(value: unknown, where: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw invalid(`${where}.annotations must be an object of strings`);
  }
  return value as Record<string, string>;
}

function parsePlatform(value: unknown, where: string): Platform | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || typeof value.architecture !== 'string' || typeof value.os !== 'string') {
    throw invalid(`${where}.platform must have string architecture and os`);
  }
  return { architecture: value.architecture, os: value.os, ...(typeof value.variant === 'string' ? { variant: value.variant } : {}) };
}

export function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw invalid(`${where} must be a descriptor object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType.length === 0) throw invalid(`${where}.mediaType must be a non-empty string`);
  if (typeof digest !== 'string' || !isDigest(digest)) throw invalid(`${where}.digest is not a valid digest`, { digest });
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw invalid(`${where}.size must be a non-negative integer`);
  if (value.urls !== undefined && (!Array.isArray(value.urls) || value.urls.some((u) => typeof u !== 'string'))) {
    throw invalid(`${where}.urls must be an array of strings`);
  }
  if (value.artifactType !== undefined && typeof value.artifactType !== 'string') throw invalid(`${where}.artifactType must be a string`);
  const annotations = parseAnnotations(value.annotations, where);
  const platform = parsePlatform(value.platform, where);
  return {
    mediaType,
    digest,
    size,
    ...(typeof value.artifactType === 'string' ? { artifactType: value.artifactType } : {}),
    ...(annotations ? { annotations } : {}),
    ...(platform ? { platform } : {}),
    ...(value.urls ? { urls: value.urls as string[] } : {}),
  };
}

function resolveMediaType(body: Record<string, unknown>, contentType: string): ManifestMediaType {
  const declared = body.mediaType;
  if (declared !== undefined && typeof declared !== 'string') throw invalid('mediaType must be a string');
  if (contentType === MediaType.DockerSchema1 || contentType === MediaType.DockerSchema1Signed || body.schemaVersion === 1) {
    throw invalid('Docker schema1 manifests are not supported; push a Docker schema2 or OCI manifest');
  }
  if (isManifestMediaType(contentType)) {
    if (declared !== undefined && declared !== contentType) {
      throw invalid('the mediaType field does not match the Content-Type header', { mediaType: declared, contentType });
    }
    return contentType;
  }
  if (!GENERIC_CONTENT_TYPES.has(contentType)) throw invalid(`unsupported manifest media type ${contentType}`, { contentType });
  if (declared !== undefined) {
    if (!isManifestMediaType(declared)) throw invalid(`unsupported manifest media type ${declared}`, { mediaType: declared });
    return declared;
  }
  // Neither header nor field names the type: the OCI spec lets the shape decide.
  if (Array.isArray(body.manifests)) return MediaType.OciIndex;
  if (body.config !== undefined) return MediaType.OciManifest;
  throw invalid('cannot tell the manifest type: send a Content-Type header or a mediaType field');
}

/**
 * Parses and validates manifest bytes as pushed. `contentType` is the request's Content-Type without parameters.
 * Throws MANIFEST_INVALID naming the first problem found.
 */
export function parseManifest(bytes: Buffer, contentType: string): ParsedManifest {
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('body is not valid JSON');
  }
  if (!isObject(body)) throw invalid('body must be a JSON object');
  const mediaType = resolveMediaType(body, contentType);
  if (body.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  if (body.artifactType !== undefined && typeof body.artifactType !== 'string') throw invalid('artifactType must be a string');
  const subject = body.subject === undefined ? undefined : parseDescriptor(body.subject, 'subject');
  const annotations = parseAnnotations(body.annotations, 'manifest');
  const common = {
    ...(subject ? { subject } : {}),
    ...(annotations ? { annotations } : {}),
  };

  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(body.manifests)) throw invalid('an index needs a manifests array');
    if (body.config !== undefined || body.layers !== undefined) throw invalid('an index cannot have config or layers');
    const manifests = body.manifests.map((d, i) => parseDescriptor(d, `manifests[${i}]`));
    return {
      mediaType,
      blobs: [],
      manifests,
      ...(typeof body.artifactType === 'string' ? { artifactType: body.artifactType } : {}),
      ...common,
    };
  }

  if (body.manifests !== undefined) throw invalid('an image manifest cannot have a manifests array');
  const config = parseDescriptor(body.config, 'config');
  if (!Array.isArray(body.layers)) throw invalid('an image manifest needs a layers array');
  const layers = body.layers.map((d, i) => parseDescriptor(d, `layers[${i}]`));
  const blobs = [config, ...layers].filter((d) => !(FOREIGN_LAYER_TYPES.has(d.mediaType) && d.urls?.length)).map((d) => d.digest);
  const artifactType = typeof body.artifactType === 'string' ? body.artifactType : config.mediaType;
  return { mediaType, blobs: [...new Set(blobs)], manifests: [], artifactType, ...common };
}
