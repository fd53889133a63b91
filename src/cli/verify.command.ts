import type { Command } from 'commander';
import { formatRepositoryRef, parseImageRef } from '../oci/image-ref.ts';
import { checkSignature, type SignatureCheck } from '../sign/signature-check.ts';
import { findSignatures } from '../sign/signature-store.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit } from './output.ts';
import { loadVerificationKey } from './sign.command.ts';

interface VerifyOptions extends ConnectionOptions {
  key?: string;
  ignoreReference?: boolean;
  list?: boolean;
}

function describeCheck(check: SignatureCheck): string {
  const where = check.source === 'tag' ? `tag layer ${check.layer}` : `referrer ${check.manifest}${check.layer !== undefined ? ` layer ${check.layer}` : ''}`;
  return `  ${check.isVerified ? 'valid    ' : 'invalid  '}${check.format.padEnd(16)}${where}${check.reason ? `: ${check.reason}` : ''}`;
}

export function registerVerifyCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('verify')
      .argument('IMAGE', 'project/repo[:tag|@digest], or host[:port]/name[:tag|@digest]')
      .description('verify an image\'s cosign signatures against a public key')
      .option('-k, --key <file>', 'public key (PEM, as berth keygen or cosign generate-key-pair write it)')
      .option('--ignore-reference', 'accept a simple-signing payload whose docker-reference names another repository')
      .option('--list', 'list every signature found (cosign, notation) without failing; checked when --key is given'),
  )
    .addHelpText(
      'after',
      `
Finds signatures in the classic sha256-<hex>.sig manifest and among the image's OCI 1.1 referrers (referrers
API, or its tag-schema fallback): cosign simple-signing layers, sigstore bundles with cosign's sign predicate
(cosign v3), cosign v2 OCI 1.1 signatures, and Notary Project signatures (listed, not verified). A signature
is valid when it verifies over its payload with the key, the payload's docker-manifest-digest (or statement
subject) is the image's digest and, for simple signing, its docker-reference names HOST/REPO.
--json prints {image: {registry, repository, digest}, isVerified, signatures: [{format, source, manifest,
layer?, isVerified, reason?, payload?, annotations?}]}.
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND], {
  [EXIT.OK]: 'at least one valid signature by the key (with --list: always, once listed)',
  [EXIT.FAILURE]: 'no valid signature by the key (each signature\'s reason is printed), or a registry error',
  [EXIT.NOT_FOUND]: 'the image does not exist (404)',
})}`,
    )
    .action(
      runAction(async (raw: string, opts: VerifyOptions) => {
        if (!opts.key && !opts.list) throw new CliError('pass --key PUBLIC_KEY (or --list to only list signatures)', EXIT.CONFIG);
        const ctx = new CliContext(opts);
        const ref = ctx.resolve(parseImageRef(raw));
        const key = opts.key ? await loadVerificationKey(opts.key) : undefined;
        const client = await ctx.client(ref.registry);
        const digest = await client.manifestDigest(ref.repository, (ref.digest ?? ref.tag)!);
        if (!digest) throw new CliError(`${raw}: manifest unknown`, EXIT.NOT_FOUND);
        const image = { registry: ref.registry, repository: ref.repository, digest };
        const found = await findSignatures(client, ref.repository, digest);
        const signatures = found.map((f) => checkSignature(f, key, image, { ignoreReference: opts.ignoreReference === true }));
        const valid = signatures.filter((s) => s.isVerified).length;
        const name = `${formatRepositoryRef(ref)}@${digest}`;
        emit(ctx.isJson, { image, isVerified: valid > 0, signatures }, () => {
          const head = !key
            ? `${signatures.length} signature(s) on ${name}`
            : `${valid > 0 ? 'Verified' : 'Not verified'}: ${valid} of ${signatures.length} signature(s) on ${name} valid for ${opts.key}`;
          return [head, ...signatures.map(describeCheck)].join('\n');
        });
        if (key && valid === 0 && !opts.list) {
          throw new CliError(signatures.length === 0 ? `no signatures found for ${name}` : `no valid signature by ${opts.key} on ${name}`, EXIT.FAILURE);
        }
      }),
    );
}
