import { join } from 'node:path';
import { BerthError } from '../../errors/berth-error.ts';
import { digestAlgorithm, digestHex, type Digest } from '../../oci/digest.ts';

export const UPLOAD_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The on-disk layout of the filesystem driver, in one place:
 *   <root>/blobs/<algorithm>/<first two hex>/<hex>   committed content, one file per digest
 *   <root>/uploads/<uuid>                            bytes of an upload in progress
 * Both trees sit on one filesystem so a commit is a single rename.
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

  uploadPath(id: string): string {
    // Ids come from URLs; never let one name a path outside the uploads folder.
    if (!UPLOAD_ID_RE.test(id)) throw new BerthError('BLOB_UPLOAD_UNKNOWN', { detail: { upload: id.slice(0, 100) } });
    return join(this.uploadsDir, id);
  }
}
