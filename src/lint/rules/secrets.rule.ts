/** ENV values stay in the image config and ARG values in its history: neither is a place for a secret. */
import type { EnvInstruction } from '../dockerfile.types.ts';
import type { LintRule, RuleFinding } from '../lint.types.ts';

const SECRET_WORDS = new Set(['PASSWORD', 'PASSWD', 'PASS', 'SECRET', 'SECRETS', 'TOKEN', 'KEY', 'APIKEY', 'SECRETKEY', 'PRIVATEKEY', 'ACCESSKEY', 'CREDENTIALS', 'CREDS']);
/** Names that hold no secret themselves: public keys, GPG fingerprints, where a secret lives. */
const HARMLESS_WORDS = new Set(['PUBLIC', 'PUB', 'GPG', 'PGP', 'FILE', 'PATH', 'DIR', 'URL', 'ID', 'NAME', 'SERVER', 'HOST']);

/** `NPM_TOKEN` -> NPM, TOKEN; `dbPassword` -> DB, PASSWORD. */
function nameWords(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase().split(/[^A-Z0-9]+/).filter(Boolean);
}

export function isSecretName(name: string): boolean {
  const words = nameWords(name);
  return words.some((w) => SECRET_WORDS.has(w)) && !words.some((w) => HARMLESS_WORDS.has(w));
}

export const secretInEnvArg: LintRule = {
  id: 'secret-in-env-arg',
  severity: 'error',
  title: 'ENV or ARG named like a secret (PASSWORD, SECRET, TOKEN, KEY)',
  check: (ctx) =>
    ctx.dockerfile.instructions.flatMap((i): RuleFinding[] => {
      if (i.keyword !== 'ENV' && i.keyword !== 'ARG') return [];
      const env = i as EnvInstruction;
      // `ENV PASSWORD=` sets nothing worth hiding; an ARG without a default still receives --build-arg values.
      const names = env.pairs.filter((p) => isSecretName(p.key) && (i.keyword === 'ARG' || (p.value ?? '') !== '')).map((p) => p.key);
      if (names.length === 0) return [];
      const where = i.keyword === 'ENV' ? 'is stored in the image config: anyone who can pull the image reads it with docker inspect' : 'is recorded in the image history (docker history) and the build cache';
      return [{
        range: i.range,
        message: `${i.keyword} ${names.join(', ')}: a value set this way ${where}`,
        fix: 'pass secrets at build time with RUN --mount=type=secret,id=<name> (docker build --secret id=<name>,src=...), and at run time through the environment or a mounted file',
      }];
    }),
};
