import { isBerthError } from '../errors/berth-error.ts';
import type { Logger } from '../log/logger.ts';
import type { UserRepo } from '../meta/identity-store.ts';
import { generateSecret, hashPassword } from './password.ts';

export const BOOTSTRAP_ADMIN = 'admin';
/** Marks the one line that carries a generated password, so operators can find it in a start-up log. */
export const GENERATED_PASSWORD_MARKER = 'BERTH INITIAL ADMIN PASSWORD';

export interface BootstrapDeps {
  users: Pick<UserRepo, 'count' | 'create'>;
  log: Logger;
  /** auth.adminPassword, else BERTH_ADMIN_PASSWORD; undefined means "generate one". */
  adminPassword: string | undefined;
  /** Where a generated password is written, once (the server's stderr, not the JSON log). */
  writeSecretLine: (line: string) => void;
}

export type BootstrapResult = 'existing-users' | 'created-with-configured-password' | 'created-with-generated-password' | 'created-elsewhere';

/**
 * The first admin. When no user exists, creates `admin` (system admin) with the configured password or, when
 * none is configured, a generated one printed once on `writeSecretLine`. Only the argon2 hash is stored, and
 * there is never a default password. Two nodes starting together on an empty database agree: the one whose
 * create loses (CONFLICT) prints nothing. Idempotent.
 */
export async function bootstrapAdmin(deps: BootstrapDeps): Promise<BootstrapResult> {
  if ((await deps.users.count()) > 0) return 'existing-users';
  const configured = deps.adminPassword !== undefined && deps.adminPassword.length > 0 ? deps.adminPassword : undefined;
  const password = configured ?? generateSecret(18);
  try {
    await deps.users.create({ username: BOOTSTRAP_ADMIN, passwordHash: await hashPassword(password), isAdmin: true });
  } catch (err) {
    if (isBerthError(err, 'CONFLICT')) return 'created-elsewhere';
    throw err;
  }
  if (configured) {
    deps.log.info({ username: BOOTSTRAP_ADMIN }, 'created the first admin with the configured password');
    return 'created-with-configured-password';
  }
  deps.writeSecretLine(`*** ${GENERATED_PASSWORD_MARKER} (shown once, store it now): username=${BOOTSTRAP_ADMIN} password=${password} ***\n`);
  deps.log.warn({ username: BOOTSTRAP_ADMIN }, 'created the first admin with a generated password, printed once on stderr; change it after signing in');
  return 'created-with-generated-password';
}
