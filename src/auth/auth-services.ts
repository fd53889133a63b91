import { AuditWriter } from '../audit/audit-writer.ts';
import { DEFAULT_REPEAT_COALESCING, RepeatCoalescer } from '../audit/repeat-coalescer.ts';
import type { Config } from '../config/config.schema.ts';
import type { Logger } from '../log/logger.ts';
import type { IdentityStore } from '../meta/identity-store.ts';
import { AccessControlService } from './access-control.service.ts';
import { AuthenticationService } from './authentication.service.ts';
import { bootstrapAdmin } from './bootstrap.ts';
import { parseCidrList } from './ip-rules.ts';
import { LoginThrottle } from './login-throttle.ts';
import { RegistryGate } from './registry-gate.ts';
import { refreshAudience, type TokenRoutesDeps } from './token.routes.ts';
import { generateSigningKey, TokenService, type StoredSigningKey } from './token.service.ts';

/** The setting under which the token signing key pair is stored, shared by every node. */
export const SIGNING_KEY_SETTING = 'auth.signingKey';

export interface AuthServices {
  authentication: AuthenticationService;
  access: AccessControlService;
  gate: RegistryGate;
  audit: AuditWriter;
  /** The gate's pull events go through it (repeats counted, not each written); close it before `audit`. */
  pullAudit: RepeatCoalescer;
  tokenEndpoint: TokenRoutesDeps;
}

/**
 * Builds identity and access control from the `auth` config over the identity store (main.ts calls it once):
 * the signing key (created by the first node, shared through the store), the token services, authentication,
 * access control, the registry gate, the audit writer, and the first admin when auth is on and no user exists.
 */
export async function createAuthServices(deps: {
  config: Config;
  store: IdentityStore;
  log: Logger;
  now: () => number;
  /** BERTH_ADMIN_PASSWORD, used when auth.adminPassword is not set. */
  adminPasswordFromEnv: string | undefined;
  /** Where a generated first-admin password is printed once. */
  writeSecretLine: (line: string) => void;
}): Promise<AuthServices> {
  const { config, store, log, now } = deps;
  const auth = config.auth;
  if (!auth.enabled) log.warn({ listen: config.listen }, 'auth.enabled is false: every caller may do everything (allowed on loopback only)');

  const audit = new AuditWriter({ repo: store.audit, log });
  const key = await store.settings.putIfAbsent<StoredSigningKey>(SIGNING_KEY_SETTING, await generateSigningKey());
  const tokens = await TokenService.create({ key, issuer: auth.issuer, audience: auth.service, now });
  const refreshTokens = await TokenService.create({ key, issuer: auth.issuer, audience: refreshAudience(auth.service), now });

  const authentication = new AuthenticationService({
    users: store.users,
    robots: store.robots,
    tokens,
    throttle: new LoginThrottle({ now }),
    audit,
    log,
    now,
    basicCacheTtlMs: auth.basicCacheTtl,
  });
  const access = new AccessControlService({
    projects: store.projects,
    members: store.members,
    teams: store.teams,
    ipRules: store.ipRules,
    now,
    selfServiceProjects: auth.selfServiceProjects,
  });
  const pullAudit = new RepeatCoalescer(audit, DEFAULT_REPEAT_COALESCING, now);
  const gate = new RegistryGate(
    { authentication, access, projects: store.projects, members: store.members, audit: pullAudit, log, now },
    { isEnabled: auth.enabled, service: auth.service, trustedProxies: parseCidrList(auth.trustedProxies) },
  );

  if (auth.enabled) {
    await bootstrapAdmin({ users: store.users, log, adminPassword: auth.adminPassword ?? deps.adminPasswordFromEnv, writeSecretLine: deps.writeSecretLine });
  }

  return {
    authentication,
    access,
    gate,
    audit,
    pullAudit,
    tokenEndpoint: { gate, authentication, access, tokens, refreshTokens, audit, service: auth.service, tokenTtlSec: Math.round(auth.tokenTtl / 1000), now },
  };
}
