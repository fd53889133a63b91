import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatRepositoryRef, parseImageRef } from '../oci/image-ref.ts';
import { SIGN_MODES, signImage, type SignMode } from '../sign/image-signer.ts';
import { parsePrivateKey, parsePublicKey, type SigningKey, type VerificationKey } from '../sign/signing-key.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { passwordForReading } from './keygen.command.ts';
import { emit } from './output.ts';

interface SignOptions extends ConnectionOptions {
  key: string;
  annotation: string[];
  mode: string;
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the key ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.CONFIG);
  }
}

/** The private key at `path`, asking for its password only when it is encrypted. */
export async function loadSigningKey(path: string): Promise<SigningKey> {
  return parsePrivateKey(await readKeyFile(path), () => passwordForReading(path));
}

/** The public key at `path` (PEM SubjectPublicKeyInfo or certificate). */
export async function loadVerificationKey(path: string): Promise<VerificationKey> {
  return parsePublicKey(await readKeyFile(path));
}

/**
 * What signing and attesting start from: the context, the image reference, the private key, a client, and the
 * manifest. A tag is resolved with HEAD and the manifest read by digest, as cosign does: a trust policy never
 * refuses those reads, so an unsigned image can be signed under enforce. Throws CliError (NOT_FOUND when absent).
 */
export async function openImageToSign(raw: string, opts: ConnectionOptions & { key: string }) {
  const ctx = new CliContext(opts);
  const ref = ctx.resolve(parseImageRef(raw));
  const key = await loadSigningKey(opts.key);
  const client = await ctx.client(ref.registry);
  const digest = ref.digest ?? (await client.manifestDigest(ref.repository, ref.tag!));
  if (!digest) throw new CliError(`${raw}: manifest unknown`, EXIT.NOT_FOUND);
  const manifest = await client.getManifest(ref.repository, digest);
  return { ctx, ref, key, client, manifest };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseAnnotations(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid annotation "${pair}": use key=value`, EXIT.CONFIG);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export function registerSignCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('sign')
      .argument('IMAGE', 'project/repo[:tag|@digest], or host[:port]/name[:tag|@digest]; a tag is resolved to its digest')
      .description('sign an image with a key, in cosign\'s formats')
      .requiredOption('-k, --key <file>', 'private key: cosign\'s encrypted format (berth keygen, cosign generate-key-pair) or PKCS#8/SEC1/PKCS#1 PEM')
      .option('-a, --annotation <key=value>', 'a claim to sign with the image (repeatable)', collect, [])
      .option('--mode <mode>', `where to store the signature: ${SIGN_MODES.join(', ')}`, 'both'),
  )
    .addHelpText(
      'after',
      `
The signature is over the image digest, never a tag. Formats, as cosign writes them:
  tag        a cosign simple-signing payload {"critical":{"identity":{"docker-reference":"HOST/REPO"},"image":
             {"docker-manifest-digest":DIGEST},"type":"cosign container image signature"},"optional":{annotations}}
             pushed as a layer of the manifest tagged sha256-<hex>.sig, the signature (base64) in the layer's
             "dev.cosignproject.cosign/signature" annotation; existing signatures in that manifest are kept.
  referrers  cosign v3's form: an OCI 1.1 referrer (subject = the image, artifactType and layer
             application/vnd.dev.sigstore.bundle.v0.3+json) holding a sigstore bundle whose DSSE envelope signs
             an in-toto statement {subject: the digest (annotations on it), predicateType:
             https://sigstore.dev/cosign/sign/v1}; the key's hint is the verification material, no tlog entry.
             On a registry without the referrers API the fallback index (tag sha256-<hex>) is updated too.
  both       (default) the two above.
Signing again with the same key and annotations adds nothing.
Key password: $BERTH_KEY_PASSWORD (or $COSIGN_PASSWORD), else asked on a terminal.
--json prints {image: {registry, repository, digest}, keyHint, tag?: {tag, manifest, isNew}, referrer?:
{manifest, isNew, isFallback}}.
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND], { [EXIT.CONFIG]: 'bad usage, unreadable key or wrong password' })}`,
    )
    .action(
      runAction(async (raw: string, opts: SignOptions) => {
        if (!(SIGN_MODES as readonly string[]).includes(opts.mode)) throw new CliError(`invalid --mode "${opts.mode}": use ${SIGN_MODES.join(', ')}`, EXIT.CONFIG);
        const annotations = parseAnnotations(opts.annotation);
        const { ctx, ref, key, client, manifest } = await openImageToSign(raw, opts);
        const outcome = await signImage(client, {
          registry: ref.registry,
          repository: ref.repository,
          image: { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.bytes.length },
          key,
          annotations,
          mode: opts.mode as SignMode,
          now: new Date(),
        });
        const image = { registry: ref.registry, repository: ref.repository, digest: manifest.digest };
        emit(ctx.isJson, { image, keyHint: key.publicKey.hint, ...outcome }, () => {
          const lines = [`Signed ${formatRepositoryRef(ref)}@${manifest.digest}`];
          if (outcome.tag) lines.push(`  tag       ${outcome.tag.tag} -> ${outcome.tag.manifest}${outcome.tag.isNew ? '' : ' (already signed by this key)'}`);
          if (outcome.referrer) {
            const note = outcome.referrer.isNew ? (outcome.referrer.isFallback ? ' (referrers tag-schema fallback index updated)' : '') : ' (already signed by this key)';
            lines.push(`  referrer  ${outcome.referrer.manifest}${note}`);
          }
          return lines.join('\n');
        });
      }),
    );
}
