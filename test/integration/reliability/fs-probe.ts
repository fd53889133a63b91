import { createHash, randomFillSync } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Every regular file under `dir`, as paths relative to it (empty when `dir` does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name).slice(dir.length + 1)).sort();
}

/** Blob files under `<root>/blobs` whose name is `digest`'s hex. */
export async function blobFilesFor(root: string, digest: string): Promise<string[]> {
  const hex = digest.slice(digest.indexOf(':') + 1);
  return (await filesUnder(join(root, 'blobs'))).filter((p) => p.endsWith(hex));
}

/** Bytes of upload `id` on disk under `<root>/uploads` (0 when there is no such file). */
export async function uploadBytesOnDisk(root: string, id: string): Promise<number> {
  return (await stat(join(root, 'uploads', id)).catch(() => ({ size: 0 }))).size;
}

/** `size` random bytes and their sha256 digest. */
export function randomBlob(size: number): { bytes: Buffer<ArrayBuffer>; digest: string } {
  // Buffer.alloc is ArrayBuffer-backed, so the bytes are a valid fetch body as they are.
  const bytes = randomFillSync(Buffer.alloc(size));
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

/**
 * Polls `check` until it returns a truthy value; throws `what` with the last value after `timeoutMs`. For
 * conditions that become true eventually (a sweep ran, a disconnect was noticed): never a speed assertion.
 */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((done) => setTimeout(done, 50));
  }
}
