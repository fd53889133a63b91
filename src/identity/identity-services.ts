import type { AuditRecorder } from '../audit/audit-writer.ts';
import type { IdentityStore } from '../meta/identity-store.ts';
import type { RepositoryRepo } from '../meta/meta-store.ts';
import { AlertService } from './alert.service.ts';
import { AuditQueryService } from './audit-query.service.ts';
import type { ChangeEffects } from './identity-context.ts';
import { IpRuleService } from './ip-rule.service.ts';
import { MemberService } from './member.service.ts';
import { ProjectService } from './project.service.ts';
import { RobotService } from './robot.service.ts';
import { TeamService } from './team.service.ts';
import { UserService } from './user.service.ts';

export interface IdentityServices {
  users: UserService;
  teams: TeamService;
  projects: ProjectService;
  members: MemberService;
  robots: RobotService;
  ipRules: IpRuleService;
  audit: AuditQueryService;
  alerts: AlertService;
}

/** Wires the identity services over the store; each gets only the repositories it uses. */
export function createIdentityServices(deps: {
  store: IdentityStore & { repositories: Pick<RepositoryRepo, 'list' | 'exists'> };
  audit: AuditRecorder;
  /** AccessControl.invalidate */
  invalidate: () => void;
  /** The authenticator's cache-forget for one user or robot. */
  forgetCredentials: (name: string) => void;
  selfServiceProjects: boolean;
  now: () => number;
}): IdentityServices {
  const { store } = deps;
  const fx: ChangeEffects = { audit: deps.audit, invalidate: deps.invalidate, forgetCredentials: deps.forgetCredentials, now: deps.now };
  return {
    users: new UserService({ users: store.users, fx }),
    teams: new TeamService({ teams: store.teams, users: store.users, fx }),
    projects: new ProjectService({
      projects: store.projects,
      members: store.members,
      teams: store.teams,
      repositories: store.repositories,
      selfServiceProjects: deps.selfServiceProjects,
      fx,
    }),
    members: new MemberService({ members: store.members, users: store.users, teams: store.teams, fx }),
    robots: new RobotService({ robots: store.robots, fx }),
    ipRules: new IpRuleService({ ipRules: store.ipRules, fx }),
    audit: new AuditQueryService({ audit: store.audit }),
    alerts: new AlertService({ alerts: store.alerts, fx }),
  };
}
