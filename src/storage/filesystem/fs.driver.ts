import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { BerthError } from '../../errors/berth-error.ts';
import { isDigest, type Digest } from '../../oci/digest.ts';
import type { AppendOptions, BlobDriver, BlobInfo, ByteRange, UploadArea } from '../blob-driver.ts';
import { DirSyncer } from './dir-syncer.ts';
import { writeSource } from './file-writer.ts';
import { FsLayout, UPLOAD_ID_RE } from './fs.layout.ts';

const IO_CHUNK_BYTES = 1024 * 1024;

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Blobs as files on a local filesystem: written to an upload file, fsynced, then renamed into place. */
export class FsBlobDriver implements BlobDriver {
  private readonly layout: FsLayout;
  /** Blob prefix folders known to exist, so a commit costs no mkdir once warm. */
  private readonly knownDirs = new Set<string>();
  /** Folder fsyncs through kept-open handles, shared by concurrent commits. */
  private readonly dirs = new DirSyncer();
  /**
   * Uploads whose bytes the last append made durable (`willCommit`) through the handle that wrote them, and
   * that nothing has written to since: their commit skips reopening the file to fdatasync it. In memory only,
   * so after a restart every commit syncs again.
   */
  private readonly synced = new Set<string>();

  private constructor(root: string) {
    this.layout = new FsLayout(root);
  }

  static async open(opts: { root: string }): Promise<FsBlobDriver> {
    const driver = new FsBlobDriver(opts.root);
    await mkdir(driver.layout.blobsDir, { recursive: true });
    await mkdir(driver.layout.uploadsDir, { recursive: true });
    await mkdir(driver.layout.quarantineDir, { recursive: true });
    return driver;
  }

  async stat(digest: Digest): Promise<BlobInfo> {
    try {
      const st = await stat(this.layout.blobPath(digest));
      return { sizeBytes: st.size };
    } catch (err) {
      if (isMissing(err)) throw new BerthError('BLOB_UNKNOWN', { detail: { digest } });
      throw err;
    }
  }

  async open(digest: Digest, range?: ByteRange): Promise<Readable> {
    let fh;
    try {
      fh = await open(this.layout.blobPath(digest), 'r');
    } catch (err) {
      if (isMissing(err)) throw new BerthError('BLOB_UNKNOWN', { detail: { digest } });
      throw err;
    }
    return fh.createReadStream({ highWaterMark: IO_CHUNK_BYTES, ...(range ? { start: range.start, end: range.end } : {}) });
  }

  async createUpload(id: string): Promise<void> {
    await writeFile(this.layout.uploadPath(id), '', { flag: 'wx' });
  }

  async appendUpload(id: string, offset: number, source: Readable, opts: AppendOptions = {}): Promise<number> {
    const path = this.layout.uploadPath(id);
    this.synced.delete(id);
    let fh: FileHandle;
    if (opts.create) {
      if (offset !== 0) throw new BerthError('RANGE_INVALID', { detail: { offset, size: 0 } });
      // O_EXCL: a new area, so its size (0) is known without a stat.
      fh = await open(path, 'wx');
    } else {
      fh = await this.openUpload(id, 'r+');
      const size = (await fh.stat()).size;
      if (size !== offset) {
        await fh.close();
        throw new BerthError('RANGE_INVALID', { detail: { offset, size } });
      }
    }
    // Not piped into a WriteStream, whose destroy on a failed source drops queued writes: writeSource writes
    // every byte that arrived before a client went away, so it can resume (and overlaps reads with writes).
    try {
      const end = await writeSource(fh, path, source, offset);
      if (opts.willCommit) {
        await fh.datasync();
        this.synced.add(id);
      }
      return end;
    } finally {
      await fh.close();
    }
  }

  async uploadSize(id: string): Promise<number> {
    try {
      return (await stat(this.layout.uploadPath(id))).size;
    } catch (err) {
      if (isMissing(err)) throw new BerthError('BLOB_UPLOAD_UNKNOWN', { detail: { upload: id } });
      throw err;
    }
  }

  async readUpload(id: string): Promise<Readable> {
    const fh = await this.openUpload(id, 'r');
    return fh.createReadStream({ highWaterMark: IO_CHUNK_BYTES });
  }

  private async openUpload(id: string, flags: 'r' | 'r+'): Promise<FileHandle> {
    try {
      return await open(this.layout.uploadPath(id), flags);
    } catch (err) {
      if (isMissing(err)) throw new BerthError('BLOB_UPLOAD_UNKNOWN', { detail: { upload: id } });
      throw err;
    }
  }

  async commitUpload(id: string, digest: Digest): Promise<void> {
    const source = this.layout.uploadPath(id);
    if (!this.synced.delete(id)) {
      const fh = await this.openUpload(id, 'r+');
      try {
        await fh.datasync();
      } finally {
        await fh.close();
      }
    }
    const target = this.layout.blobPath(digest);
    const dir = dirname(target);
    if (!this.knownDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      await this.dirs.sync(dirname(dir));
      this.knownDirs.add(dir);
    }
    // rename() replaces an existing blob of the same digest atomically: identical bytes, so dedup is free.
    try {
      await rename(source, target);
    } catch (err) {
      if (isMissing(err)) throw new BerthError('BLOB_UPLOAD_UNKNOWN', { detail: { upload: id } });
      throw err;
    }
    await this.dirs.sync(dir);
  }

  async deleteUpload(id: string): Promise<void> {
    const path = this.layout.uploadPath(id);
    this.synced.delete(id);
    await rm(path, { force: true });
  }

  async listUploads(): Promise<UploadArea[]> {
    const names = (await readdir(this.layout.uploadsDir)).filter((n) => UPLOAD_ID_RE.test(n));
    const areas: UploadArea[] = [];
    for (const id of names) {
      const st = await stat(this.layout.uploadPath(id)).catch(() => undefined);
      if (st) areas.push({ id, modifiedAt: st.mtimeMs });
    }
    return areas;
  }

  async delete(digest: Digest): Promise<void> {
    await rm(this.layout.blobPath(digest), { force: true });
  }

  async quarantine(digest: Digest): Promise<string | undefined> {
    const token = this.layout.quarantineToken(digest, randomUUID());
    try {
      await rename(this.layout.blobPath(digest), this.layout.quarantinePath(token));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    return token;
  }

  async restore(token: string): Promise<void> {
    const digest = this.layout.quarantinedDigest(token);
    if (digest === undefined) return;
    const target = this.layout.blobPath(digest);
    try {
      await rename(this.layout.quarantinePath(token), target);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    await this.dirs.sync(dirname(target));
  }

  async purge(token: string): Promise<void> {
    await rm(this.layout.quarantinePath(token), { force: true });
  }

  async listQuarantined(): Promise<Array<{ token: string; digest: Digest }>> {
    const names = await readdir(this.layout.quarantineDir).catch(() => [] as string[]);
    return names.flatMap((token) => {
      const digest = this.layout.quarantinedDigest(token);
      return digest ? [{ token, digest }] : [];
    });
  }

  async *list(): AsyncIterable<Digest> {
    for (const algorithm of await readdir(this.layout.blobsDir)) {
      const algDir = `${this.layout.blobsDir}/${algorithm}`;
      for (const prefix of await readdir(algDir)) {
        for (const hex of await readdir(`${algDir}/${prefix}`).catch(() => [] as string[])) {
          const candidate = `${algorithm}:${hex}`;
          if (isDigest(candidate)) yield candidate;
        }
      }
    }
  }

  async close(): Promise<void> {
    await this.dirs.close();
  }

  async ping(): Promise<void> {
    await access(this.layout.blobsDir, constants.R_OK | constants.W_OK);
    await access(this.layout.uploadsDir, constants.R_OK | constants.W_OK);
  }
}
