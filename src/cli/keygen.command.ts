import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { generateSigningKey } from '../sign/signing-key.ts';
import { runAction } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit } from './output.ts';
import { askSecret } from './prompt.ts';

/** The key password from $BERTH_KEY_PASSWORD, else $COSIGN_PASSWORD (so scripts written for cosign work); may be ''. */
export function passwordFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.BERTH_KEY_PASSWORD ?? env.COSIGN_PASSWORD;
}

/** The password for a key being read: from the environment, else asked once on a terminal. */
export async function passwordForReading(what: string): Promise<string> {
  const fromEnv = passwordFromEnv();
  if (fromEnv !== undefined) return fromEnv;
  if (process.stdin.isTTY !== true) throw new CliError(`${what} is encrypted: set BERTH_KEY_PASSWORD (standard input is not a terminal)`, EXIT.CONFIG);
  return askSecret(`Password for ${what}: `);
}

async function passwordForWriting(): Promise<string> {
  const fromEnv = passwordFromEnv();
  if (fromEnv !== undefined) return fromEnv;
  if (process.stdin.isTTY !== true) throw new CliError('set BERTH_KEY_PASSWORD to the password for the new key (standard input is not a terminal)', EXIT.CONFIG);
  const first = await askSecret('Enter password for private key: ');
  const again = await askSecret('Enter password for private key again: ');
  if (first !== again) throw new CliError('the passwords do not match', EXIT.CONFIG);
  return first;
}

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

export function registerKeygenCommand(program: Command): void {
  program
    .command('keygen')
    .description('generate an ECDSA P-256 signing key pair in cosign\'s format (PREFIX.key, PREFIX.pub)')
    .requiredOption('-o, --output <prefix>', 'write PREFIX.key (encrypted private key) and PREFIX.pub (public key)')
    .option('-f, --force', 'overwrite existing files')
    .option('--json', 'print JSON for scripts instead of text')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.OK : EXIT.CONFIG))
    .addHelpText(
      'after',
      `
PREFIX.key is cosign's encrypted private key (PEM "ENCRYPTED SIGSTORE PRIVATE KEY": scrypt + NaCl secretbox
over the PKCS#8 key), so "cosign sign --key PREFIX.key" reads it and "berth sign --key cosign.key" reads cosign's.
The password comes from $BERTH_KEY_PASSWORD (or $COSIGN_PASSWORD), else it is asked twice on a terminal; an
empty password is allowed, as with cosign. PREFIX.pub is the PEM SubjectPublicKeyInfo for "berth verify --key".
--json prints {privateKey, publicKey, algorithm, keyHint}.
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG], { [EXIT.CONFIG]: 'bad usage, a file already exists, or no password available' })}`,
    )
    .action(
      runAction(async (opts: { output: string; force?: boolean; json?: boolean }) => {
        const keyPath = `${opts.output}.key`;
        const pubPath = `${opts.output}.pub`;
        if (!opts.force) {
          for (const path of [keyPath, pubPath]) if (await exists(path)) throw new CliError(`${path} exists: pass --force to overwrite it`, EXIT.CONFIG);
        }
        const password = await passwordForWriting();
        const key = generateSigningKey();
        const pem = await key.toEncryptedPem(password);
        try {
          await writeFile(keyPath, pem, { mode: 0o600 });
          await writeFile(pubPath, key.publicKey.toPem(), { mode: 0o644 });
        } catch (err) {
          throw new CliError(`cannot write the key files: ${(err as Error).message}`, EXIT.FAILURE);
        }
        const out = { privateKey: keyPath, publicKey: pubPath, algorithm: key.algorithm, keyHint: key.publicKey.hint };
        emit(opts.json === true, out, () => `Private key written to ${keyPath}\nPublic key written to ${pubPath}`);
      }),
    );
}
