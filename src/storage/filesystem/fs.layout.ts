import { join } from 'node:path';
import { BerthError } from '../../errors/berth-error.ts';
import { digestAlgorithm, digestHex, isDigest, type Digest } from '../../oci/digest.ts';

export const UPLOAD_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The on-disk layout of the filesystem driver, in one place:
 *   <root>/blobs/<algorithm>/<first two hex>/<hex>   committed content, one file per digest
 *   <root>/uploads/<uuid>                            bytes of an upload in progress
 *   <root>/quarantine/<algorithm>-<hex>-<uuid>       blob bytes GC moved aside (restored or purged next)
 * All trees sit on one filesystem so a commit (and a quarantine) is a single rename.
 */
export class FsLayout {
  constructor(readonly root: string) {}

  get blobsDir(): string {
    return join(this.root, 'blobs');
  }

  get uploadsDir(): string {
    return join(this.root, 'uploads');
  }

  blobDir(digest: Digest): string {
    return join(this.blobsDir, digestAlgorithm(digest), digestHex(digest).slice(0, 2));
  }

  blobPath(digest: Digest): string {
    return join(this.blobDir(digest), digestHex(digest));
  }

  get quarantineDir(): string {
    return join(this.root, 'quarantine');
  }

  /** A fresh quarantine token for `digest` (unique per move). */
  quarantineToken(digest: Digest, unique: string): string {
    return `${digestAlgorithm(digest)}-${digestHex(digest)}-${unique}`;
  }

  /** The digest a quarantine token names, or undefined for a name this layout did not make. */
  quarantinedDigest(token: string): Digest | undefined {
    const m = /^([a-z0-9]+)-([0-9a-f]+)-([0-9a-f-]{36})$/.exec(token);
    return m && isDigest(`${m[1]}:${m[2]}`) ? (`${m[1]}:${m[2]}` as Digest) : undefined;
  }

  quarantinePath(token: string): string {
    if (this.quarantinedDigest(token) === undefined) throw new BerthError('BLOB_UNKNOWN', { detail: { token: token.slice(0, 100) } });
    return join(this.quarantineDir, token);
  }

  uploadPath(id: string): string {
    // Ids come from URLs; never let one name a path outside the uploads folder.
    if (!UPLOAD_ID_RE.test(id)) throw new BerthError('BLOB_UPLOAD_UNKNOWN', { detail: { upload: id.slice(0, 100) } });
    return join(this.uploadsDir, id);
  }
}
