import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';

export interface Credentials {
  username: string;
  password: string;
}

interface CredentialsFile {
  auths: Record<string, Credentials>;
}

/** $XDG_CONFIG_HOME/berth/credentials.json, with XDG's default of ~/.config. */
export function defaultCredentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'berth', 'credentials.json');
}

/**
 * Saved logins, keyed by registry `host[:port]`. The file is created with mode 0600 (its folder 0700) and
 * rewritten whole through a rename, so a crash never leaves half a file. Not safe against two concurrent
 * writers (the last one wins), like docker's config.json.
 */
export class CredentialsStore {
  constructor(readonly path: string) {}

  private async read(): Promise<CredentialsFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { auths: {} };
      throw new CliError(`cannot read ${this.path}: ${(err as Error).message}`, EXIT.CONFIG);
    }
    try {
      const parsed = JSON.parse(text) as Partial<CredentialsFile>;
      return { auths: typeof parsed.auths === 'object' && parsed.auths !== null ? parsed.auths : {} };
    } catch {
      // Never echo the content: it holds passwords.
      throw new CliError(`${this.path} is not valid JSON: fix or delete it, then log in again`, EXIT.CONFIG);
    }
  }

  private async write(file: CredentialsFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await chmod(temp, 0o600); // the umask may have narrowed the mode, never widened it; be explicit anyway
    await rename(temp, this.path);
  }

  /** The saved login for `host`, if any. */
  async get(host: string): Promise<Credentials | undefined> {
    const entry = (await this.read()).auths[host];
    return entry && typeof entry.username === 'string' && typeof entry.password === 'string' ? entry : undefined;
  }

  /** Saves (or replaces) the login for `host`. */
  async set(host: string, credentials: Credentials): Promise<void> {
    const file = await this.read();
    file.auths[host] = { username: credentials.username, password: credentials.password };
    await this.write(file);
  }

  /** Forgets the login for `host`; returns whether there was one. */
  async remove(host: string): Promise<boolean> {
    const file = await this.read();
    if (!(host in file.auths)) return false;
    delete file.auths[host];
    await this.write(file);
    return true;
  }
}
