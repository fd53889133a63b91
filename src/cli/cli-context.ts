import type { Command } from 'commander';
import { parseRegistryHost, type RepositoryRef } from '../oci/image-ref.ts';
import { CliError, describeFailure } from './cli-error.ts';
import { CredentialsStore, defaultCredentialsPath, type Credentials } from './credentials.store.ts';
import { EXIT } from './exit-codes.ts';
import { RegistryClient, type RegistryTarget } from './registry-client.ts';

export interface ConnectionOptions {
  server?: string;
  json?: boolean;
}

export const CONNECTION_HELP = `
The server is --server URL or $BERTH_SERVER (e.g. http://127.0.0.1:5000); references without a registry host
(project/repo:tag, project/repo@sha256:...) are on it. A reference whose first component has a '.' or ':' or is
"localhost" names another registry (host:port/name:tag), reached over http when it is a loopback address or
listed in $BERTH_INSECURE_REGISTRIES (comma-separated hosts), otherwise over https.
Credentials come from "berth login" (per registry), or $BERTH_USER/$BERTH_PASSWORD for the server.`;

/** Adds --server and --json, which every command that talks to a registry takes; bad usage exits 2. */
export function withConnectionOptions(cmd: Command): Command {
  return cmd
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.CONFIG))
    .option('-s, --server <url>', 'Berth server URL (default: $BERTH_SERVER)').option('--json', 'print JSON for scripts instead of text');
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]';
}

/** A registry reached by `host[:port]`: http for loopback and $BERTH_INSECURE_REGISTRIES, https otherwise. */
export function targetForHost(host: string, env: NodeJS.ProcessEnv = process.env): RegistryTarget {
  const normalized = parseRegistryHost(host);
  const hostname = normalized.replace(/:\d+$/, '');
  const insecure = (env.BERTH_INSECURE_REGISTRIES ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  const scheme = isLoopback(hostname) || insecure.includes(normalized) || insecure.includes(hostname) ? 'http' : 'https';
  return { host: normalized, baseUrl: `${scheme}://${normalized}` };
}

/** A server given as a URL (`http://host:port`) or as `host[:port]`. Throws CliError(CONFIG) otherwise. */
export function parseServer(raw: string, env: NodeJS.ProcessEnv = process.env): RegistryTarget {
  if (!/^[a-z]+:\/\//i.test(raw)) {
    try {
      return targetForHost(raw, env);
    } catch {
      throw new CliError(`invalid server "${raw.slice(0, 200)}": use a URL like http://127.0.0.1:5000 or host:port`, EXIT.CONFIG);
    }
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`invalid server URL "${raw.slice(0, 200)}"`, EXIT.CONFIG);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`server URL must be http:// or https://, got ${url.protocol}`, EXIT.CONFIG);
  if (url.username || url.password) throw new CliError('put credentials in "berth login" or BERTH_USER/BERTH_PASSWORD, not in the server URL', EXIT.CONFIG);
  return { host: url.host.toLowerCase(), baseUrl: url.origin };
}

/** What a command needs from its options and environment: the server, credentials, output mode. */
export class CliContext {
  readonly server: RegistryTarget | undefined;
  readonly isJson: boolean;
  readonly store: CredentialsStore;

  constructor(
    opts: ConnectionOptions,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    const rawServer = opts.server ?? env.BERTH_SERVER;
    this.server = rawServer ? parseServer(rawServer, env) : undefined;
    this.isJson = opts.json === true;
    this.store = new CredentialsStore(defaultCredentialsPath(env));
  }

  /** The configured server; throws CliError(CONFIG) when there is none. */
  requireServer(): RegistryTarget {
    if (!this.server) throw new CliError('no server: pass --server URL or set BERTH_SERVER', EXIT.CONFIG);
    return this.server;
  }

  /** Where `registry` (a host, or undefined for the configured server) is reached. */
  target(registry: string | undefined): RegistryTarget {
    if (registry === undefined) return this.requireServer();
    if (this.server && this.server.host === registry) return this.server;
    return targetForHost(registry, this.env);
  }

  /** The credentials for `host`: $BERTH_USER/$BERTH_PASSWORD for the configured server, else the saved login. */
  async credentials(host: string): Promise<Credentials | undefined> {
    const { BERTH_USER: username, BERTH_PASSWORD: password } = this.env;
    if (username && password !== undefined && this.server?.host === host) return { username, password };
    return this.store.get(host);
  }

  async client(registry: string | undefined): Promise<RegistryClient> {
    const target = this.target(registry);
    return new RegistryClient(target, await this.credentials(target.host));
  }

  /** `ref` with its registry resolved to a host (the configured server's when it named none). */
  resolve<T extends RepositoryRef>(ref: T): T & { registry: string } {
    return { ...ref, registry: ref.registry ?? this.requireServer().host };
  }
}

/**
 * Wraps a command action: a failure prints one `berth: ...` line on stderr and sets the exit code. Errors carry
 * no secrets (credentials never enter messages), so printing them is safe.
 */
export function runAction<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let exitCode: number = EXIT.OK;
    try {
      await fn(...args);
    } catch (err) {
      const failure = describeFailure(err);
      process.stderr.write(`berth: ${failure.message}\n`);
      exitCode = failure.exitCode;
    }
    // Exit now rather than when fetch's idle keep-alive sockets time out (seconds later); wait for stdout first.
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    process.exit(exitCode);
  };
}
