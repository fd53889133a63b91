import type { ProjectAction } from '../auth/authorizer.ts';
import type { AccessControl } from '../auth/access.ts';
import { BerthError } from '../errors/berth-error.ts';
import { isAdmin, type ProjectService } from '../identity/project.service.ts';
import type { RobotService } from '../identity/robot.service.ts';
import { unknown } from '../identity/validate.ts';
import type { ApiCaller, Guard, GuardInput } from './api-route.ts';

/**
 * The permissions routes declare. Deny by default: every guard but `anyone` refuses anonymous callers. A
 * registry token (Bearer) grants registry access only, so admin rights need Basic credentials.
 */
export interface Guards {
  anyone: Guard;
  signedIn: Guard;
  /** A user account (not a robot). */
  user: Guard;
  admin: Guard;
  /** `read`: the project is visible (public or member); `member`: the caller belongs to it; else a project action. */
  project(need: 'read' | 'member' | ProjectAction): Guard;
  /** The robot in `:robotName`: admins; project robots also for those who may manage the project's robots. */
  robotManager: Guard;
  /** Admins read all audit events; a project's owners read that project's (`?project=`). */
  auditReader: Guard;
}

export function callerIsAdmin(c: ApiCaller): boolean {
  return c.caller.method !== 'bearer' && isAdmin(c.caller.principal);
}

function signedInOrThrow(input: GuardInput): void {
  if (input.caller.principal.kind === 'anonymous') throw new BerthError('UNAUTHORIZED');
}

export function makeGuards(deps: { access: AccessControl; projects: ProjectService; robots: RobotService }): Guards {
  const { access, projects, robots } = deps;

  /** Visible project, then the action: RESOURCE_UNKNOWN when invisible, DENIED when visible but not allowed. */
  async function checkProject(input: GuardInput, name: string, need: 'read' | 'member' | ProjectAction): Promise<void> {
    signedInOrThrow(input);
    if (!(await projects.isVisible(input.caller.principal, name))) throw unknown('project', name);
    if (need === 'read' || callerIsAdmin(input)) return;
    const allowed = need === 'member'
      ? await projects.isMember(input.caller.principal, name)
      : await access.can(input.caller, { action: need, project: name }, input.ctx);
    if (!allowed) throw new BerthError('DENIED', { detail: { project: name } });
  }

  const simple = (describe: string, check: (input: GuardInput) => void): Guard => ({
    describe,
    requiresAuth: true,
    async check(input) {
      signedInOrThrow(input);
      check(input);
    },
  });

  return {
    anyone: { describe: 'anyone', requiresAuth: false, check: async () => {} },
    signedIn: simple('signed in', () => {}),
    user: simple('a user account', (input) => {
      if (input.caller.principal.kind !== 'user') throw new BerthError('DENIED', { message: 'only user accounts may do this' });
    }),
    admin: simple('admin', (input) => {
      if (!callerIsAdmin(input)) throw new BerthError('DENIED', { message: 'only administrators may do this' });
    }),
    project: (need) => ({
      describe: need === 'read' ? 'project visible (public or member)' : need === 'member' ? 'project member' : `project ${need}`,
      requiresAuth: true,
      check: (input) => checkProject(input, input.params.project ?? '', need),
    }),
    robotManager: {
      describe: 'admin, or project manage-robots for a project robot',
      requiresAuth: true,
      async check(input) {
        signedInOrThrow(input);
        const name = input.params.robotName ?? '';
        const robot = await robots.find(name);
        if (!robot) throw unknown('robot', name);
        if (callerIsAdmin(input)) return;
        // System robots are the admins' business; others may not even learn one exists.
        if (robot.project === null) throw unknown('robot', name);
        if (!(await projects.isVisible(input.caller.principal, robot.project))) throw unknown('robot', name);
        if (!(await access.can(input.caller, { action: 'manage-robots', project: robot.project }, input.ctx))) {
          throw new BerthError('DENIED', { detail: { robot: name } });
        }
      },
    },
    auditReader: {
      describe: 'admin; project owners with ?project= naming their project',
      requiresAuth: true,
      async check(input) {
        signedInOrThrow(input);
        if (callerIsAdmin(input)) return;
        const project = input.query.project;
        if (typeof project !== 'string' || project === '') {
          throw new BerthError('DENIED', { message: 'only administrators may read the whole audit log; name one of your projects with ?project=' });
        }
        await checkProject(input, project, 'manage-members');
      },
    },
  };
}
