import type { AuditRecorder } from '../../audit/audit-writer.ts';
import type { Config } from '../../config/config.schema.ts';
import type { VulnDbRepo } from '../../meta/vulndb.repo.ts';
import { DbVulnerabilityMatcher } from '../match/db-vulnerability-matcher.ts';
import { VulnDbAdminService } from './vulndb-admin.service.ts';
import { VulnDbService } from './vulndb.service.ts';

export interface VulnDbServices {
  /** The one database service: its change events drive re-matching of stored inventories. */
  vulndb: VulnDbService;
  /** Imports and syncs by administrators, audited. */
  admin: VulnDbAdminService;
  matcher: DbVulnerabilityMatcher;
}

/** The vulnerability database's services over the metadata store, configured by `vulndb`. */
export function createVulnDbServices(deps: { repo: VulnDbRepo; audit: AuditRecorder; now: () => number; config: Config['vulndb']; fetch?: typeof fetch }): VulnDbServices {
  const vulndb = new VulnDbService({ repo: deps.repo, now: deps.now });
  return {
    vulndb,
    admin: new VulnDbAdminService({ vulndb, audit: deps.audit, now: deps.now, ...deps.config, ...(deps.fetch ? { fetch: deps.fetch } : {}) }),
    matcher: new DbVulnerabilityMatcher({ repo: deps.repo, vulndb }),
  };
}
