import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatRepositoryRef, parseImageRef } from '../oci/image-ref.ts';
import { attestImage, checkAttestation, findAttestations, predicateTypeOf, PREDICATE_TYPES, type AttestationCheck } from '../sign/attestation.ts';
import { SIGN_MODES, type SignMode } from '../sign/image-signer.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit } from './output.ts';
import { loadVerificationKey, openImageToSign } from './sign.command.ts';

interface AttestOptions extends ConnectionOptions {
  key: string;
  predicate: string;
  type: string;
  mode: string;
}

interface ListOptions extends ConnectionOptions {
  key?: string;
  type?: string;
}

const TYPES_HELP = `--type takes cosign's names (${Object.keys(PREDICATE_TYPES).join(', ')}) or a predicate type URI.`;

function typeOrThrow(raw: string): string {
  const type = predicateTypeOf(raw);
  if (!type) throw new CliError(`invalid --type "${raw}": ${TYPES_HELP}`, EXIT.CONFIG);
  return type;
}

function describeCheck(c: AttestationCheck): string {
  const where = c.source === 'tag' ? `tag layer ${c.layer}` : `referrer ${c.manifest}`;
  return `  ${c.isVerified ? 'valid    ' : 'invalid  '}${(c.predicateType ?? '?').padEnd(44)} ${where}${c.reason ? `: ${c.reason}` : ''}`;
}

/** Lists (and with a key, checks) the attestations of IMAGE; `mustVerify` fails when none of the type verifies. */
async function listAttestations(raw: string, opts: ListOptions, mustVerify: boolean): Promise<void> {
  const ctx = new CliContext(opts);
  const ref = ctx.resolve(parseImageRef(raw));
  const key = opts.key ? await loadVerificationKey(opts.key) : undefined;
  const type = opts.type !== undefined ? typeOrThrow(opts.type) : undefined;
  const client = await ctx.client(ref.registry);
  const digest = await client.manifestDigest(ref.repository, (ref.digest ?? ref.tag)!);
  if (!digest) throw new CliError(`${raw}: manifest unknown`, EXIT.NOT_FOUND);
  const found = (await findAttestations(client, ref.repository, digest)).filter((a) => type === undefined || a.claimedType === type);
  const attestations = found.map((a) => checkAttestation(a, key, digest));
  const valid = attestations.filter((a) => a.isVerified).length;
  const name = `${formatRepositoryRef(ref)}@${digest}`;
  const image = { registry: ref.registry, repository: ref.repository, digest };
  emit(ctx.isJson, { image, isVerified: valid > 0, attestations }, () => {
    const head = key ? `${valid} of ${attestations.length} attestation(s) on ${name} valid for ${opts.key}` : `${attestations.length} attestation(s) on ${name}`;
    return [head, ...attestations.map(describeCheck)].join('\n');
  });
  if (mustVerify && valid === 0) {
    throw new CliError(attestations.length === 0 ? `no ${type ?? ''} attestations found for ${name}`.replace('  ', ' ') : `no valid attestation by ${opts.key} on ${name}`, EXIT.FAILURE);
  }
}

export function registerAttestCommands(program: Command): void {
  withConnectionOptions(
    program
      .command('attest')
      .argument('IMAGE', 'project/repo[:tag|@digest], or host[:port]/name[:tag|@digest]; a tag is resolved to its digest')
      .description('attach a signed in-toto attestation (SBOM, provenance, scan results) to an image, as cosign attest does')
      .requiredOption('-k, --key <file>', 'private key (cosign\'s encrypted format or PKCS#8/SEC1/PKCS#1 PEM)')
      .requiredOption('--predicate <file>', 'the predicate: a JSON document (the SBOM, the provenance, the scan report)')
      .requiredOption('--type <type>', 'the predicate type: a cosign name or a URI')
      .option('--mode <mode>', `where to store it: ${SIGN_MODES.join(', ')}`, 'both'),
  )
    .addHelpText('after', `
The statement {_type: https://in-toto.io/Statement/v1, subject: [{name: REPO, digest}], predicateType, predicate}
is signed in a DSSE envelope (payloadType application/vnd.in-toto+json) and stored as cosign does:
  tag        a layer (application/vnd.dsse.envelope.v1+json, annotation predicateType) of the manifest tagged
             sha256-<hex>.att, other attestations kept;
  referrers  an OCI 1.1 referrer holding a sigstore bundle v0.3 (annotation dev.sigstore.bundle.predicateType);
  both       (default) the two.
${TYPES_HELP}
--json prints {image: {registry, repository, digest}, predicateType, tag?: {tag, manifest}, referrer?: {manifest, isFallback}}.
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND], { [EXIT.CONFIG]: 'bad usage, unreadable key or predicate, wrong password' })}`)
    .action(
      runAction(async (raw: string, opts: AttestOptions) => {
        if (!(SIGN_MODES as readonly string[]).includes(opts.mode)) throw new CliError(`invalid --mode "${opts.mode}": use ${SIGN_MODES.join(', ')}`, EXIT.CONFIG);
        const predicateType = typeOrThrow(opts.type);
        let predicate: unknown;
        try {
          predicate = JSON.parse(await readFile(opts.predicate, 'utf8'));
        } catch (err) {
          throw new CliError(`cannot read the predicate ${opts.predicate} as JSON: ${(err as Error).message}`, EXIT.CONFIG);
        }
        const { ctx, ref, key, client, manifest } = await openImageToSign(raw, opts);
        const outcome = await attestImage(client, {
          repository: ref.repository,
          image: { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.bytes.length },
          key, predicateType, predicate, mode: opts.mode as SignMode, now: new Date(),
        });
        const image = { registry: ref.registry, repository: ref.repository, digest: manifest.digest };
        emit(ctx.isJson, { image, predicateType, ...outcome }, () => {
          const lines = [`Attested ${formatRepositoryRef(ref)}@${manifest.digest} (${predicateType})`];
          if (outcome.tag) lines.push(`  tag       ${outcome.tag.tag} -> ${outcome.tag.manifest}`);
          if (outcome.referrer) lines.push(`  referrer  ${outcome.referrer.manifest}${outcome.referrer.isFallback ? ' (referrers tag-schema fallback index updated)' : ''}`);
          return lines.join('\n');
        });
      }),
    );

  const listing = (name: string, description: string, mustVerify: boolean) =>
    withConnectionOptions(
      program
        .command(name)
        .argument('IMAGE', 'project/repo[:tag|@digest], or host[:port]/name[:tag|@digest]')
        .description(description)
        .option('-k, --key <file>', mustVerify ? 'public key the attestation must verify with (required)' : 'public key to check the attestations with')
        .option('--type <type>', 'only attestations of this predicate type (a cosign name or a URI)'),
    )
      .addHelpText('after', `
Finds attestations in the sha256-<hex>.att manifest and among the image's referrers (sigstore bundles whose
predicate is not cosign's image signature). One is valid when its DSSE signature verifies with the key, the
statement's subject is the image digest and its predicate type is the one the annotation claims.
${TYPES_HELP}
--json prints {image: {registry, repository, digest}, isVerified, attestations: [{source, manifest, layer?,
predicateType, isVerified, reason?, predicate?}]}.
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND], {
  [EXIT.OK]: mustVerify ? 'at least one valid attestation (of --type) by the key' : 'listed',
  [EXIT.FAILURE]: mustVerify ? 'no valid attestation by the key (reasons printed), or a registry error' : 'a registry error',
})}`)
      .action(
        runAction(async (raw: string, opts: ListOptions) => {
          if (mustVerify && !opts.key) throw new CliError('pass --key PUBLIC_KEY', EXIT.CONFIG);
          await listAttestations(raw, opts, mustVerify);
        }),
      );
  listing('attestations', 'list an image\'s attestations (checked when --key is given)', false);
  listing('verify-attestation', 'verify an image\'s attestations against a public key, as cosign verify-attestation does', true);
}
