import type { FileScanner } from '../image/filesystem-walk.ts';
import type { SecretKind } from './analysis.types.ts';
import { CONTENT_SCAN_MAX_BYTES, contentSecrets, NAMED_FILE_MAX_BYTES, namedRule, type SecretMatch } from './secret-rules.ts';

/** One version of a regular file as a layer wrote it. */
export interface FileVersion {
  path: string;
  layer: number;
  sizeBytes: number;
  sha256: string | undefined;
}

export interface RawSecret extends SecretMatch {
  path: string;
  layer: number;
  sizeBytes: number;
}

/**
 * What the analysis learns from file contents while the layers stream: every version's hash (for duplicates) and
 * the secrets in every version, including versions a later layer deletes. Small files are held one at a time
 * while they stream; nothing else is kept but the findings.
 */
export class FileContentScan {
  readonly versions: FileVersion[] = [];
  readonly secrets: RawSecret[] = [];

  /** The WalkOptions.scanFile callback. */
  readonly scanFile = (path: string, file: { layer: number; sizeBytes: number }): FileScanner => {
    const named = namedRule(path);
    const limit = named ? NAMED_FILE_MAX_BYTES : CONTENT_SCAN_MAX_BYTES;
    const isRead = file.sizeBytes > 0 && file.sizeBytes <= limit;
    const chunks: Buffer[] = [];
    return {
      update: (chunk) => {
        if (isRead) chunks.push(chunk);
      },
      end: (sha256) => {
        if (file.sizeBytes > 0) this.versions.push({ path, layer: file.layer, sizeBytes: file.sizeBytes, sha256 });
        if (!isRead) return;
        const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        const matches = [...(named ? named(bytes.toString('utf8')) : []), ...contentSecrets(bytes)];
        const seen = new Set<SecretKind>();
        for (const m of matches) {
          if (seen.has(m.kind)) continue;
          seen.add(m.kind);
          this.secrets.push({ ...m, path, layer: file.layer, sizeBytes: file.sizeBytes });
        }
      },
    };
  };
}
