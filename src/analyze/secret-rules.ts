import type { SecretKind } from './analysis.types.ts';

/** A secret a file's content shows, described without the secret itself. */
export interface SecretMatch {
  kind: SecretKind;
  detail: string;
}

/** Files named like credential stores are read up to this size whatever their name says. */
export const NAMED_FILE_MAX_BYTES = 1024 * 1024;
/** Any other file is searched for key material up to this size (keys are small; big files are data). */
export const CONTENT_SCAN_MAX_BYTES = 256 * 1024;

type NamedRule = (text: string) => SecretMatch[];

const PEM_RE = /-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/g;
const AWS_KEY_ID_RE = /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g;
const ENV_LINE_RE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*\S/gm;
const DOTENV_TEMPLATE_RE = /\.(example|sample|template|dist|defaults)$/;

/** PEM private keys and AWS access key ids, in any file; a byte search first, so most files cost one pass. */
export function contentSecrets(bytes: Buffer): SecretMatch[] {
  const hasPem = bytes.indexOf('PRIVATE KEY') >= 0;
  const hasKeyId = bytes.indexOf('AKIA') >= 0 || bytes.indexOf('ASIA') >= 0;
  if (!hasPem && !hasKeyId) return [];
  const text = bytes.toString('latin1');
  const found: SecretMatch[] = [];
  const pemKinds = new Set<string>();
  for (const m of text.matchAll(PEM_RE)) pemKinds.add(m[1]!);
  for (const label of pemKinds) found.push({ kind: label.startsWith('OPENSSH') ? 'openssh-private-key' : 'private-key', detail: `PEM block "BEGIN ${label}"` });
  const keyIds = new Set([...text.matchAll(AWS_KEY_ID_RE)].map((m) => m[0]));
  if (keyIds.size > 0) found.push({ kind: 'aws-access-key', detail: `${keyIds.size} AWS access key id(s) (${[...keyIds].map((k) => `${k.slice(0, 4)}...`).join(', ')})` });
  return found;
}

function dotenv(text: string): SecretMatch[] {
  const names = [...text.matchAll(ENV_LINE_RE)].map((m) => m[1]!);
  if (names.length === 0) return [];
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', ...' : '');
  return [{ kind: 'dotenv', detail: `.env file setting ${names.length} variable(s): ${shown}` }];
}

function awsCredentials(text: string): SecretMatch[] {
  return /aws_secret_access_key\s*=\s*\S/i.test(text) ? [{ kind: 'aws-credentials', detail: 'AWS credentials file with aws_secret_access_key' }] : [];
}

function npmrc(text: string): SecretMatch[] {
  return /(?:_authToken|_auth|_password)\s*=\s*\S/.test(text) ? [{ kind: 'npm-token', detail: '.npmrc with a registry auth token' }] : [];
}

function dockerConfig(text: string): SecretMatch[] {
  let auths: unknown;
  try {
    auths = (JSON.parse(text) as { auths?: unknown }).auths;
  } catch {
    return [];
  }
  if (typeof auths !== 'object' || auths === null) return [];
  const hosts = Object.entries(auths as Record<string, { auth?: unknown; identitytoken?: unknown }>)
    .filter(([, v]) => typeof v?.auth === 'string' || typeof v?.identitytoken === 'string')
    .map(([host]) => host);
  return hosts.length > 0 ? [{ kind: 'docker-auth', detail: `docker config.json with credentials for ${hosts.join(', ')}` }] : [];
}

function kubeconfig(text: string): SecretMatch[] {
  if (!/^kind:\s*Config\s*$/m.test(text)) return [];
  const fields = [...new Set([...text.matchAll(/^\s*(token|client-key-data|password):\s*\S/gm)].map((m) => m[1]!))];
  return fields.length > 0 ? [{ kind: 'kubeconfig', detail: `kubeconfig with ${fields.join(', ')}` }] : [];
}

/** The rule for a file whose name marks it as a credential store, or undefined. */
export function namedRule(path: string): NamedRule | undefined {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  if ((name === '.env' || name.startsWith('.env.')) && !DOTENV_TEMPLATE_RE.test(name)) return dotenv;
  if (name === '.npmrc') return npmrc;
  if (path.endsWith('.aws/credentials')) return awsCredentials;
  if (path.endsWith('.docker/config.json')) return dockerConfig;
  if (path.endsWith('.kube/config') || name === 'kubeconfig' || name.endsWith('.kubeconfig')) return kubeconfig;
  return undefined;
}
