import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs the real container tools (skopeo, podman, umoci) in isolation from the machine and from each other.
 *
 * Why: as root, skopeo and podman keep a blob-info cache in /var/lib/containers/cache. It remembers which
 * registry/repository already holds which blob, so a later run skips uploads or tries cross-repository mounts
 * instead of exercising the registry. Every skopeo/podman invocation therefore runs in a private mount
 * namespace with its own view of that directory: a fresh tmpfs (nothing remembered, even between two runs of one
 * sandbox) or, with `shareBlobCache`, a directory private to the sandbox (runs of one sandbox remember, like
 * one user's machine; runs of other sandboxes and of the host do not see it). Podman's network state under
 * /run/containers gets a private tmpfs too. Registries, trust policy, auth file, HOME, storage and temp files
 * are private to the sandbox.
 */

export interface ToolRun {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the tool after this long (default 120 s): a hung client must fail the test, not stall the suite. */
  timeoutMs?: number;
}

export interface ContainersSandbox {
  /** Private folder: configuration, podman storage, temp files. Removed by `dispose()`. */
  dir: string;
  /** Runs `skopeo <args>` isolated; rejects with its output when it exits non-zero. */
  skopeo(args: string[], opts?: RunOptions): Promise<ToolRun>;
  /** Runs `podman <args>` isolated, on vfs storage under the sandbox (private --root and a short --runroot). */
  podman(args: string[], opts?: RunOptions): Promise<ToolRun>;
  /** Removes the sandbox's folders (podman storage included). Idempotent. */
  dispose(): Promise<void>;
}

interface Tool {
  command: string;
  debianPackage: string;
}

const TOOLS = {
  skopeo: { command: 'skopeo', debianPackage: 'skopeo' },
  podman: { command: 'podman', debianPackage: 'podman' },
  umoci: { command: 'umoci', debianPackage: 'umoci' },
  unshare: { command: 'unshare', debianPackage: 'util-linux' },
} satisfies Record<string, Tool>;

export type ToolName = keyof typeof TOOLS;

const BLOB_CACHE_DIR = '/var/lib/containers/cache';
// Podman (netavark) keeps network state here whatever --root says; each run gets an empty private one.
const NETWORK_RUN_DIR = '/run/containers';
const DEFAULT_TIMEOUT_MS = 120_000;
// Podman puts unix sockets under --runroot, whose paths must stay short (sun_path is 108 bytes).
const RUNROOT_MAX_CHARS = 50;

/** Fails loudly, naming the Debian package to install, when a tool is missing (the interop suite never skips). */
export function assertToolsInstalled(...names: ToolName[]): void {
  const missing = names.filter((name) => {
    const probe = spawnSync(TOOLS[name].command, ['--version'], { stdio: 'ignore' });
    return probe.error !== undefined || probe.status !== 0;
  });
  if (missing.length > 0) {
    const packages = missing.map((n) => TOOLS[n].debianPackage);
    throw new Error(`missing ${missing.join(', ')}: install the Debian package(s) ${packages.map((p) => `\`${p}\``).join(' ')} (apt-get install ${packages.join(' ')})`);
  }
  if (names.some((n) => n === 'skopeo' || n === 'podman') && process.getuid?.() !== 0) {
    throw new Error('the interop suite isolates skopeo/podman with `unshare -m` and a private mount over /var/lib/containers/cache: run it as root');
  }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const shown = args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ');
        reject(new Error(`${command} ${shown} failed (${err.code ?? err.signal}):\n${stderr}\n${stdout}`.trimEnd()));
      } else resolve({ stdout, stderr });
    });
  });
}

/** Runs umoci (no cache, no isolation needed). Rejects with its output when it exits non-zero. */
export function umoci(args: string[], opts: RunOptions = {}): Promise<ToolRun> {
  return run(TOOLS.umoci.command, args, process.env, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

/**
 * Creates a sandbox. With `shareBlobCache`, the sandbox's runs share one private blob-info cache (needed to
 * see skopeo reuse blobs across repositories through mounts); by default each run starts with an empty one.
 */
export async function createContainersSandbox(opts: { shareBlobCache?: boolean } = {}): Promise<ContainersSandbox> {
  assertToolsInstalled('unshare');
  await mkdir(BLOB_CACHE_DIR, { recursive: true });
  await mkdir(NETWORK_RUN_DIR, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'containers-sandbox-'));
  const runroot = await mkdtemp('/tmp/pr-');
  if (runroot.length + '/overlay-containers'.length > RUNROOT_MAX_CHARS) throw new Error(`runroot path too long: ${runroot}`);
  const blobCache = join(dir, 'blob-cache');
  const tmp = join(dir, 'tmp');
  await Promise.all([mkdir(blobCache), mkdir(tmp), mkdir(join(dir, 'home'))]);
  const policy = join(dir, 'policy.json');
  const registries = join(dir, 'registries.conf');
  const storage = join(dir, 'storage.conf');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  // No search registries: every reference in the tests is fully qualified, nothing may resolve elsewhere.
  await writeFile(registries, 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n');
  await writeFile(storage, `[storage]\ndriver = "vfs"\ngraphroot = "${join(dir, 'storage')}"\nrunroot = "${runroot}"\n`);
  // podman insists that an auth file named by REGISTRY_AUTH_FILE exists; no credentials are ever needed here.
  await writeFile(join(dir, 'auth.json'), '{"auths":{}}');
  await writeFile(join(dir, 'containers.conf'), '[engine]\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\n');

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    TMPDIR: tmp,
    CONTAINERS_REGISTRIES_CONF: registries,
    CONTAINERS_STORAGE_CONF: storage,
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    REGISTRY_AUTH_FILE: join(dir, 'auth.json'),
  };
  // The cache mount happens inside the new namespace, so the host's cache is neither read nor written.
  const cacheMount = opts.shareBlobCache ? `mount --bind '${blobCache}' ${BLOB_CACHE_DIR}` : `mount -t tmpfs -o size=64m tmpfs ${BLOB_CACHE_DIR}`;
  const mounts = `${cacheMount} && mount -t tmpfs -o size=16m tmpfs ${NETWORK_RUN_DIR}`;
  const isolated = (argv: string[], timeoutMs: number) =>
    run(TOOLS.unshare.command, ['--mount', '--propagation', 'private', 'sh', '-c', `${mounts} && exec "$0" "$@"`, ...argv], env, timeoutMs);

  let disposed = false;
  return {
    dir,
    skopeo(args, runOpts = {}) {
      return isolated([TOOLS.skopeo.command, '--policy', policy, '--tmpdir', tmp, ...args], runOpts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    },
    podman(args, runOpts = {}) {
      const global = ['--root', join(dir, 'storage'), '--runroot', runroot, '--storage-driver', 'vfs', '--tmpdir', join(tmp, 'libpod'), '--events-backend', 'none', '--cgroup-manager', 'cgroupfs'];
      // pull and push check the trust policy: give them the sandbox's, not /etc/containers/policy.json.
      const [command, ...rest] = args;
      const withPolicy = command === 'pull' || command === 'push' ? [command, '--signature-policy', policy, ...rest] : args;
      return isolated([TOOLS.podman.command, ...global, ...withPolicy], runOpts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await rm(dir, { recursive: true, force: true });
      await rm(runroot, { recursive: true, force: true });
    },
  };
}
