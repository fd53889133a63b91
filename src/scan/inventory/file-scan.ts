import type { FileScanner } from '../../image/filesystem-walk.ts';
import { binaryFindings } from './binary.cataloger.ts';
import { ELF_MAGIC } from './elf.ts';
import type { FileFindings } from './found-package.ts';
import { gemFindings, isGemFile } from './gem.cataloger.ts';
import { isJavaArchive, javaFindings } from './java.cataloger.ts';
import { isNpmFile, npmFindings } from './npm.cataloger.ts';
import { isPythonFile, pythonFindings } from './python.cataloger.ts';

export interface FileScanLimits {
  /** Largest manifest or lockfile parsed (package.json, METADATA, gemspec, package-lock.json). */
  maxManifestBytes: number;
  /** Largest Java archive read. */
  maxArchiveBytes: number;
  /** Largest ELF binary read for Go build info and cargo-auditable data. */
  maxBinaryBytes: number;
}

export const DEFAULT_FILE_SCAN_LIMITS: FileScanLimits = {
  maxManifestBytes: 32 * 1024 * 1024,
  maxArchiveBytes: 256 * 1024 * 1024,
  maxBinaryBytes: 128 * 1024 * 1024,
};

type Parse = (path: string, layer: number, bytes: Buffer) => FileFindings;

/** What one version of a file gave; the walk's final filesystem decides which versions count. */
export interface ScannedFile {
  layer: number;
  findings: FileFindings;
}

const SMALLEST_ELF_BYTES = 52;
const EMPTY = Buffer.alloc(0);

/** Copies a file's chunks into one buffer of its declared size (no concatenation), then parses it. */
class BufferingScanner implements FileScanner {
  private buffer: Buffer | undefined;
  private filled = 0;
  private head: Buffer = EMPTY;
  private isRejected = false;

  constructor(
    private readonly file: { path: string; layer: number; sizeBytes: number },
    /** When set, bytes are kept only if the file starts with it. */
    private readonly magic: Buffer | undefined,
    private readonly parse: Parse,
    private readonly done: (path: string, result: ScannedFile) => void,
  ) {
    if (!magic) this.buffer = Buffer.allocUnsafe(file.sizeBytes);
  }

  update(chunk: Buffer): void {
    if (this.isRejected) return;
    if (!this.buffer) {
      // Most files are told apart by their first chunk: copy only when it is shorter than the magic.
      this.head = this.head.length === 0 && chunk.length >= this.magic!.length ? chunk : Buffer.concat([this.head, chunk]);
      if (this.head.length < this.magic!.length) return;
      const isMatch = this.head.subarray(0, this.magic!.length).equals(this.magic!);
      chunk = this.head;
      this.head = EMPTY;
      if (!isMatch) {
        this.isRejected = true;
        return;
      }
      this.buffer = Buffer.allocUnsafe(this.file.sizeBytes);
    }
    const n = Math.min(chunk.length, this.buffer.length - this.filled);
    chunk.copy(this.buffer, this.filled, 0, n);
    this.filled += n;
  }

  end(): void {
    if (this.isRejected || !this.buffer) return;
    const { path, layer } = this.file;
    let findings: FileFindings;
    try {
      findings = this.parse(path, layer, this.buffer.subarray(0, this.filled));
    } catch (err) {
      findings = { packages: [], warnings: [{ path, message: `cannot be read: ${(err as Error).message}` }] };
    }
    this.buffer = undefined;
    this.done(path, { layer, findings });
  }
}

/** Tells the sizes of ELF files too large to read, without holding them. */
class TooLargeBinaryScanner implements FileScanner {
  private head: Buffer = Buffer.alloc(0);

  constructor(
    private readonly file: { path: string; layer: number; sizeBytes: number },
    private readonly maxBytes: number,
    private readonly done: (path: string, result: ScannedFile) => void,
  ) {}

  update(chunk: Buffer): void {
    if (this.head.length < ELF_MAGIC.length) this.head = Buffer.from(Buffer.concat([this.head, chunk.subarray(0, ELF_MAGIC.length)]).subarray(0, ELF_MAGIC.length));
  }

  end(): void {
    if (!this.head.equals(ELF_MAGIC)) return;
    const message = `binary of ${this.file.sizeBytes} bytes is over the ${this.maxBytes}-byte limit: its Go or Rust packages are not read`;
    this.done(this.file.path, { layer: this.file.layer, findings: { packages: [], warnings: [{ path: this.file.path, message }] } });
  }
}

/**
 * The walk's `scanFile` for language packages: manifests and archives by name, ELF binaries by their magic
 * bytes. One file is held at a time, up to the limits; results are kept small (packages, not bytes).
 */
export function languageFileScan(limits: FileScanLimits, results: Map<string, ScannedFile>) {
  const done = (path: string, result: ScannedFile): void => void results.set(path, result);
  return (path: string, info: { layer: number; sizeBytes: number }): FileScanner | undefined => {
    const file = { path, ...info };
    const byName: Parse | undefined = isNpmFile(path) ? npmFindings : isPythonFile(path) ? pythonFindings : isGemFile(path) ? gemFindings : undefined;
    const tooLarge = (max: number): FileScanner => ({
      update: () => {},
      end: () => done(path, { layer: info.layer, findings: { packages: [], warnings: [{ path, message: `${info.sizeBytes} bytes is over the ${max}-byte limit; not read` }] } }),
    });
    if (byName) return info.sizeBytes > limits.maxManifestBytes ? tooLarge(limits.maxManifestBytes) : new BufferingScanner(file, undefined, byName, done);
    if (isJavaArchive(path)) return info.sizeBytes > limits.maxArchiveBytes ? tooLarge(limits.maxArchiveBytes) : new BufferingScanner(file, undefined, javaFindings, done);
    if (info.sizeBytes < SMALLEST_ELF_BYTES) return undefined;
    if (info.sizeBytes > limits.maxBinaryBytes) return new TooLargeBinaryScanner(file, limits.maxBinaryBytes, done);
    return new BufferingScanner(file, ELF_MAGIC, binaryFindings, done);
  };
}
