import { baseName, parentPath } from './entry-path.ts';
import type { EntryType } from './layer-reader.ts';

/** One path of a merged image filesystem: who wrote it last and what it is. */
export interface FileRecord {
  path: string;
  /** Index of the layer that wrote this version (0 is the bottom layer). */
  layer: number;
  type: EntryType;
  /** Content bytes; 0 for directories, links and devices (a hardlink shares its target's bytes). */
  sizeBytes: number;
  mode: number;
  uid: number;
  gid: number;
  linkTarget?: string;
  /** `sha256:<hex>` of the content, when the walk was asked to hash files. */
  sha256?: string;
  /** A directory no layer listed, made because a path below it was. */
  isImplicit?: boolean;
}

export type NodeData = Omit<FileRecord, 'path'>;

interface Node {
  data: NodeData;
  /** The last layer that wrote this node or anything below it (whiteouts spare what their own layer wrote). */
  touched: number;
  children: Map<string, Node> | undefined;
}

/** What a removal took away: the files and bytes of lower layers that no longer reach the final filesystem. */
export interface Removed {
  fileCount: number;
  sizeBytes: number;
  /** The layer the removed top node came from, and its type. */
  layer: number;
  type: EntryType;
  /** Every removed path (files, links, directories), for dropping captured content. */
  paths: string[];
}

const MAX_SYMLINK_HOPS = 40;

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/**
 * The merged filesystem as a tree of path segments: memory grows with the number of paths, never with
 * bytes. Not safe for concurrent writers (one walk owns it).
 */
export class FsTree {
  private readonly root: Node = { data: { layer: -1, type: 'directory', sizeBytes: 0, mode: 0o755, uid: 0, gid: 0 }, touched: -1, children: new Map() };
  private fileCount = 0;

  get size(): number {
    return this.fileCount;
  }

  private find(path: string): Node | undefined {
    if (path === '') return this.root;
    let node: Node | undefined = this.root;
    for (const segment of path.split('/')) {
      node = node.children?.get(segment);
      if (!node) return undefined;
    }
    return node;
  }

  get(path: string): FileRecord | undefined {
    const node = path === '' ? undefined : this.find(path);
    return node ? { path, ...node.data } : undefined;
  }

  /** The directory node at `path`, made (and marked touched by `layer`) down from the root as needed. */
  private directory(path: string, layer: number, removedOut: Removed[]): Node {
    let node = this.root;
    node.touched = layer;
    let at = '';
    for (const segment of path === '' ? [] : path.split('/')) {
      at = join(at, segment);
      let child = node.children!.get(segment);
      if (child && child.data.type !== 'directory') {
        removedOut.push(this.detach(node, segment, at));
        child = undefined;
      }
      if (!child) {
        child = { data: { layer, type: 'directory', sizeBytes: 0, mode: 0o755, uid: 0, gid: 0, isImplicit: true }, touched: layer, children: new Map() };
        node.children!.set(segment, child);
        this.fileCount++;
      }
      child.touched = layer;
      node = child;
    }
    return node;
  }

  /**
   * Writes `path` as `data` (data.layer is the writing layer). Returns the version it replaced, if any, and
   * what got removed on the way (a directory replaced by a file loses its subtree; a file in the way of a
   * parent directory is removed).
   */
  put(path: string, data: NodeData): { previous: NodeData | undefined; removed: Removed[] } {
    const removed: Removed[] = [];
    const parent = this.directory(parentPath(path), data.layer, removed);
    const name = baseName(path);
    const existing = parent.children!.get(name);
    if (existing && existing.data.type === 'directory' && data.type === 'directory') {
      const previous = existing.data;
      existing.data = data;
      existing.touched = data.layer;
      return { previous, removed };
    }
    if (existing?.children && existing.children.size > 0) {
      const gone = this.detach(parent, name, path);
      // The directory itself is reported as the previous version; its contents as removed.
      gone.paths = gone.paths.filter((p) => p !== path);
      removed.push(gone);
      this.fileCount++;
    }
    if (!existing) this.fileCount++;
    parent.children!.set(name, { data, touched: data.layer, children: data.type === 'directory' ? (existing?.children ?? new Map()) : undefined });
    return { previous: existing?.data, removed };
  }

  /** Takes the subtree at `path` out of `parent`, summing what it held. */
  private detach(parent: Node, name: string, path: string): Removed {
    const node = parent.children!.get(name)!;
    parent.children!.delete(name);
    const removed: Removed = { fileCount: 0, sizeBytes: 0, layer: node.data.layer, type: node.data.type, paths: [] };
    const stack: Array<[string, Node]> = [[path, node]];
    while (stack.length > 0) {
      const [at, n] = stack.pop()!;
      this.fileCount--;
      removed.paths.push(at);
      if (n.data.type !== 'directory') {
        removed.fileCount++;
        removed.sizeBytes += n.data.sizeBytes;
      }
      for (const [childName, child] of n.children ?? []) stack.push([join(at, childName), child]);
    }
    return removed;
  }

  /**
   * Whiteout of `path` by `layer`: removes what lower layers put there, sparing whatever `layer` itself wrote
   * (whiteouts apply to lower layers only). Returns one Removed per subtree taken out.
   */
  removeLower(path: string, layer: number): Removed[] {
    const parent = this.find(parentPath(path));
    if (!parent?.children?.has(baseName(path))) return [];
    return this.removeLowerChild(parent, baseName(path), path, layer);
  }

  /** Opaque directory `path` in `layer`: every child lower layers put in it is removed. */
  clearLowerChildren(path: string, layer: number): Removed[] {
    const dir = this.find(path);
    if (!dir?.children) return [];
    return [...dir.children.keys()].flatMap((name) => this.removeLowerChild(dir, name, join(path, name), layer));
  }

  private removeLowerChild(parent: Node, name: string, path: string, layer: number): Removed[] {
    const node = parent.children!.get(name)!;
    if (node.touched !== layer) return [this.detach(parent, name, path)];
    if (!node.children) return [];
    return [...node.children.keys()].flatMap((child) => this.removeLowerChild(node, child, join(path, child), layer));
  }

  /** Every path, parents before children, siblings in name order. */
  *entries(): Generator<FileRecord> {
    const stack: Array<[string, Node]> = [...this.root.children!].sort(([a], [b]) => (a < b ? 1 : -1)).map(([name, node]) => [name, node]);
    while (stack.length > 0) {
      const [path, node] = stack.pop()!;
      yield { path, ...node.data };
      if (node.children) {
        const sorted = [...node.children].sort(([a], [b]) => (a < b ? 1 : -1));
        for (const [name, child] of sorted) stack.push([join(path, name), child]);
      }
    }
  }

  /**
   * `path` with its symlinks followed (in parent directories too), as the final filesystem resolves it;
   * undefined for a dangling link or a loop.
   */
  resolve(path: string): string | undefined {
    let pending = path.split('/').filter((s) => s !== '' && s !== '.');
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const segment = pending.shift()!;
      if (segment === '..') {
        done.pop();
        continue;
      }
      const at = [...done, segment].join('/');
      const node = this.find(at);
      if (!node) return undefined;
      if (node.data.type === 'symlink' && node.data.linkTarget !== undefined) {
        if (++hops > MAX_SYMLINK_HOPS) return undefined;
        const target = node.data.linkTarget;
        if (target.startsWith('/')) done.length = 0;
        pending = [...target.split('/').filter((s) => s !== '' && s !== '.'), ...pending];
        continue;
      }
      done.push(segment);
    }
    return done.join('/');
  }
}
