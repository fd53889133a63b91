import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Directory handles kept open (blob prefix folders: 256 per digest algorithm). Beyond this, the oldest is closed. */
const MAX_OPEN_DIRS = 600;

interface DirState {
  /** The fsync running now, if any. */
  running?: Promise<void>;
  /** The fsync that starts after `running`, shared by every caller that arrived while `running` was in flight. */
  next?: Promise<void>;
}

/**
 * Makes directory entries durable (a rename or create inside a folder survives a power loss once the folder is
 * fsynced) at the cost of one fsync call: the folder's handle stays open between calls, and concurrent callers
 * for one folder share fsyncs (group commit). A caller's promise resolves only after an fsync that *started*
 * after the call, so it covers every change the caller made before calling.
 */
export class DirSyncer {
  private readonly handles = new Map<string, Promise<FileHandle>>();
  private readonly states = new Map<string, DirState>();
  private isClosed = false;

  /** Resolves once `dir`'s entries as of this call are durable. Throws what open or fsync throws. */
  sync(dir: string): Promise<void> {
    const state = this.states.get(dir) ?? {};
    this.states.set(dir, state);
    if (state.running === undefined) return this.run(dir, state);
    // An fsync is in flight, but it may have started before our change: wait for the next one, one for all.
    state.next ??= state.running.then(
      () => this.run(dir, state, true),
      () => this.run(dir, state, true),
    );
    return state.next;
  }

  /** Closes every cached handle; later syncs open and close a handle each time. Idempotent. */
  async close(): Promise<void> {
    this.isClosed = true;
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map(async (h) => (await h.catch(() => undefined))?.close().catch(() => undefined)));
  }

  private run(dir: string, state: DirState, isQueued = false): Promise<void> {
    if (isQueued) state.next = undefined;
    const running = this.fsync(dir).finally(() => {
      if (state.running === running) state.running = undefined;
      if (state.running === undefined && state.next === undefined) this.states.delete(dir);
    });
    state.running = running;
    return running;
  }

  private async fsync(dir: string): Promise<void> {
    if (this.isClosed) {
      const fh = await openDir(dir);
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      return;
    }
    let handle = this.handles.get(dir);
    if (handle === undefined) {
      handle = openDir(dir);
      this.handles.set(dir, handle);
      handle.catch(() => this.handles.delete(dir));
      if (this.handles.size > MAX_OPEN_DIRS) this.evictOldest();
    }
    const fh = await handle;
    try {
      await fh.sync();
    } catch (err) {
      // A failed handle is not reused (the folder may be gone or the disk broken); the next call reopens.
      if (this.handles.get(dir) === handle) this.handles.delete(dir);
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  private evictOldest(): void {
    const [oldestDir, oldest] = this.handles.entries().next().value!;
    // Only a folder with no fsync in flight: closing a handle under a running fsync would fail it.
    if (this.states.has(oldestDir)) return;
    this.handles.delete(oldestDir);
    void oldest.then((fh) => fh.close()).catch(() => undefined);
  }
}

function openDir(dir: string): Promise<FileHandle> {
  return open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
}
