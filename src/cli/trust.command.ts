import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { predicateTypeOf } from '../sign/attestation.ts';
import { TRUST_MODES, type TrustPolicyView } from '../trust/trust-policy.ts';
import { apiAction, apiCommand, commandGroup, parseProject, seg } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit } from './output.ts';

interface SetOptions extends ConnectionOptions {
  mode: string;
  key: string[];
  root: string[];
  identity: string[];
  requireAttestation: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.CONFIG);
  }
}

/** `NAME=VALUE` split at the first "=" (an issuer URL has none before its scheme's colon). */
function pair(raw: string, option: string): [string, string] {
  const eq = raw.indexOf('=');
  if (eq <= 0 || eq === raw.length - 1) throw new CliError(`invalid ${option} "${raw}": use ${option === '--key' ? 'NAME=FILE' : 'ISSUER=SUBJECT_REGEXP'}`, EXIT.CONFIG);
  return [raw.slice(0, eq), raw.slice(eq + 1)];
}

function describe(p: TrustPolicyView): string {
  const lines = [`Trust policy of project ${p.project}: ${p.mode}`];
  for (const k of p.keys) lines.push(`  key       ${k.name} (${k.algorithm}, hint ${k.hint})`);
  for (const id of p.keyless?.identities ?? []) lines.push(`  keyless   ${id.subjectRegexp} from ${id.issuer}`);
  if (p.keyless) lines.push(`  roots     ${p.keyless.roots.length} CA certificate(s)`);
  for (const t of p.requiredAttestations) lines.push(`  requires  ${t}`);
  lines.push(`  updated   ${p.updatedAt}${p.updatedBy ? ` by ${p.updatedBy}` : ''}`);
  return lines.join('\n');
}

const POLICY_HELP = `A project's trust policy decides which pulls by tag are trusted: the image (or an index listing it) must carry a
signature (cosign .sig tag or OCI 1.1 referrer) by a trusted key or, keyless, a certificate chaining to one of
the roots for a trusted identity (OIDC issuer + subject regexp), plus each required attestation signed the same
way. Modes: off, audit (allow and record), warn (allow with a Warning header), enforce (refuse). Manifest HEAD,
GET by digest, referrers and signature tags are never refused, so signing tools keep working.`;

export function registerTrustCommands(program: Command): void {
  const trust = commandGroup(program, 'trust', 'manage a project\'s trust policy (signature verification on pull)');

  apiCommand(trust, 'show', 'show a project\'s trust policy', `
${POLICY_HELP}
--json prints {project, mode, keys: [{name, publicKey, hint, algorithm}], keyless?: {roots, identities}, requiredAttestations,
updatedBy, updatedAt}.
Example: berth trust show acme`)
    .argument('PROJECT', 'the project')
    .action(
      apiAction(async (ctx, api, project: string) => {
        const name = parseProject(project);
        const policy = await (await api()).request<TrustPolicyView>('GET', `/projects/${seg(name)}/trust-policy`, `trust policy of ${name}`);
        emit(ctx.isJson, policy, () => describe(policy));
      }),
    );

  apiCommand(trust, 'set', 'set (replace) a project\'s trust policy', `
${POLICY_HELP}
Every option replaces what was there: give the whole policy each time. --require-attestation takes cosign's
--type names (slsaprovenance, slsaprovenance1, spdx, cyclonedx, vuln, custom) or a predicate type URI.
--json prints the stored policy, as "berth trust show" does.
Examples:
  berth trust set acme --mode enforce --key release=cosign.pub
  berth trust set acme --mode warn --root fulcio-root.pem --identity 'https://token.actions.githubusercontent.com=https://github.com/acme/.*'
  berth trust set acme --mode enforce --key release=cosign.pub --require-attestation slsaprovenance1`)
    .argument('PROJECT', 'the project')
    .requiredOption('--mode <mode>', `${TRUST_MODES.join(', ')}`)
    .option('-k, --key <name=file>', 'a trusted public key (PEM), named (repeatable)', collect, [])
    .option('--root <file>', 'a CA certificate (PEM) keyless certificates must chain to (repeatable)', collect, [])
    .option('--identity <issuer=regexp>', 'a trusted keyless identity: OIDC issuer and a regexp for the whole subject (repeatable)', collect, [])
    .option('--require-attestation <type>', 'an attestation type every trusted image must carry (repeatable)', collect, [])
    .action(
      apiAction(async (ctx, api, project: string, opts: SetOptions) => {
        const name = parseProject(project);
        if (!(TRUST_MODES as readonly string[]).includes(opts.mode)) throw new CliError(`invalid --mode "${opts.mode}": use ${TRUST_MODES.join(', ')}`, EXIT.CONFIG);
        if ((opts.root.length === 0) !== (opts.identity.length === 0)) throw new CliError('keyless trust needs both --root and --identity', EXIT.CONFIG);
        const keys = await Promise.all(opts.key.map(async (raw) => {
          const [keyName, file] = pair(raw, '--key');
          return { name: keyName, publicKey: await readText(file, 'the public key') };
        }));
        const requiredAttestations = opts.requireAttestation.map((t) => {
          const type = predicateTypeOf(t);
          if (!type) throw new CliError(`invalid --require-attestation "${t}": a cosign --type name or a URI`, EXIT.CONFIG);
          return type;
        });
        const keyless = opts.root.length === 0 ? undefined : {
          roots: await Promise.all(opts.root.map((file) => readText(file, 'the root certificate'))),
          identities: opts.identity.map((raw) => {
            const [issuer, subjectRegexp] = pair(raw, '--identity');
            return { issuer, subjectRegexp };
          }),
        };
        const body = { mode: opts.mode, keys, requiredAttestations, ...(keyless ? { keyless } : {}) };
        const policy = await (await api()).request<TrustPolicyView>('PUT', `/projects/${seg(name)}/trust-policy`, `set the trust policy of ${name}`, { body });
        emit(ctx.isJson, policy, () => describe(policy));
      }),
    );

  apiCommand(trust, 'remove', 'remove a project\'s trust policy (pulls are no longer checked for signatures)', `
--json prints {"project": NAME, "removed": true}.
Example: berth trust remove acme`)
    .argument('PROJECT', 'the project')
    .action(
      apiAction(async (ctx, api, project: string) => {
        const name = parseProject(project);
        await (await api()).request('DELETE', `/projects/${seg(name)}/trust-policy`, `remove the trust policy of ${name}`);
        emit(ctx.isJson, { project: name, removed: true }, () => `Removed the trust policy of project ${name}`);
      }),
    );
}
