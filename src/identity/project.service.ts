import { z } from 'zod';
import type { ResolvedPrincipal } from '../auth/authorizer.ts';
import { storedPatternMatches } from '../auth/repo-pattern.ts';
import { BerthError } from '../errors/berth-error.ts';
import type { MemberRepo, ProjectRecord, ProjectRepo, TeamRepo } from '../meta/identity-store.ts';
import type { RepositoryRepo } from '../meta/meta-store.ts';
import type { RepoName } from '../oci/names.ts';
import { afterChange, isoTime, type Actor, type ChangeEffects } from './identity-context.ts';
import type { ListQuery, Paged } from './list-page.ts';
import { parseInput, ProjectName, unknown } from './validate.ts';

export const CreateProjectBody = z.strictObject({ name: ProjectName, isPublic: z.boolean().default(false) });
export const UpdateProjectBody = z.strictObject({ isPublic: z.boolean() });

export const ProjectView = z.object({ name: z.string(), isPublic: z.boolean(), createdAt: z.string() });
export type ProjectView = z.infer<typeof ProjectView>;

const toView = (p: ProjectRecord): ProjectView => ({ name: p.name, isPublic: p.isPublic, createdAt: isoTime(p.createdAt) });

/** Store pages fetched per visible-project page at most, so a user seeing few of many projects cannot loop long. */
const MAX_SCAN_PAGES = 50;

/**
 * Projects and who may see them. A project is visible to admins, to everyone when public, and to its members:
 * users holding a grant in it (directly or through a team), its project robots, and system robots whose
 * permissions reach it. A project the caller may not see answers like a missing one.
 */
export class ProjectService {
  constructor(private readonly deps: {
    projects: Pick<ProjectRepo, 'create' | 'find' | 'list' | 'update' | 'delete'>;
    members: Pick<MemberRepo, 'grant' | 'grantsFor'>;
    teams: Pick<TeamRepo, 'teamsOf'>;
    repositories: Pick<RepositoryRepo, 'list' | 'exists'>;
    /** auth.selfServiceProjects: any signed-in user may create a project (and owns it). */
    selfServiceProjects: boolean;
    fx: ChangeEffects;
  }) {}

  /** The projects `principal` may see, ordered by name. */
  async list(principal: ResolvedPrincipal, query: ListQuery): Promise<Paged<ProjectView>> {
    const memberOf = isAdmin(principal) ? undefined : await this.memberProjects(principal);
    const items: ProjectRecord[] = [];
    let last = query.cursor;
    let more = true;
    for (let pages = 0; more && items.length <= query.limit && pages < MAX_SCAN_PAGES; pages++) {
      const page = await this.deps.projects.list({ n: query.limit + 1, ...(last !== undefined ? { last } : {}) });
      items.push(...page.items.filter((p) => memberOf === undefined || p.isPublic || memberOf(p.name)));
      last = page.items.at(-1)?.name ?? last;
      more = page.hasMore;
    }
    const shown = items.slice(0, query.limit);
    // Past a full page the cursor is its last item; a scan cut short resumes where it stopped.
    const next = items.length > query.limit ? shown.at(-1)!.name : more ? (last ?? null) : null;
    return { items: shown.map(toView), next };
  }

  /** Throws RESOURCE_UNKNOWN (also for a project the caller may not see: check visibility first). */
  async get(name: string): Promise<ProjectView> {
    return toView(await this.find(name));
  }

  /**
   * Creates a project. Admins may always; other users only with selfServiceProjects, and then become its owner.
   * Throws DENIED otherwise, BAD_REQUEST for a bad name, CONFLICT when it exists.
   */
  async create(actor: Actor, principal: ResolvedPrincipal, raw: unknown): Promise<ProjectView> {
    const mayCreate = isAdmin(principal) || (this.deps.selfServiceProjects && principal.kind === 'user' && !principal.isDisabled);
    if (!mayCreate) throw new BerthError('DENIED', { message: 'only administrators may create projects' });
    const input = parseInput(CreateProjectBody, raw);
    const project = await this.deps.projects.create({ name: input.name, isPublic: input.isPublic, createdBy: actor.userId });
    if (principal.kind === 'user' && !principal.isAdmin) {
      await this.deps.members.grant({ project: project.name, subjectKind: 'user', subjectId: principal.id, role: 'owner', pattern: '**' });
    }
    afterChange(this.deps.fx, actor, { action: 'project.create', project: project.name, detail: { isPublic: project.isPublic } });
    return toView(project);
  }

  /** Throws RESOURCE_UNKNOWN, BAD_REQUEST. */
  async update(actor: Actor, name: string, raw: unknown): Promise<ProjectView> {
    const input = parseInput(UpdateProjectBody, raw);
    const updated = await this.deps.projects.update(name, { isPublic: input.isPublic });
    if (!updated) throw unknown('project', name);
    afterChange(this.deps.fx, actor, { action: 'project.update', project: name, detail: { isPublic: input.isPublic } });
    return toView(updated);
  }

  /** Removes the project with its grants, robots and IP rules. Throws RESOURCE_UNKNOWN; CONFLICT while it holds repositories. */
  async delete(actor: Actor, name: string): Promise<void> {
    await this.find(name);
    if (await this.hasRepositories(name)) {
      throw new BerthError('CONFLICT', { message: 'the project still has repositories; delete them first', detail: { project: name } });
    }
    if (!(await this.deps.projects.delete(name))) throw unknown('project', name);
    afterChange(this.deps.fx, actor, { action: 'project.delete', project: name });
  }

  /** Whether the project exists and `principal` may see it. */
  async isVisible(principal: ResolvedPrincipal, name: string): Promise<boolean> {
    const project = await this.deps.projects.find(name);
    if (!project) return false;
    if (isAdmin(principal) || project.isPublic) return true;
    return this.isMember(principal, name);
  }

  /** Whether `principal` belongs to the project (see the class comment); admins belong everywhere. */
  async isMember(principal: ResolvedPrincipal, name: string): Promise<boolean> {
    if (isAdmin(principal)) return true;
    const memberOf = await this.memberProjects(principal);
    return memberOf(name);
  }

  private async memberProjects(principal: ResolvedPrincipal): Promise<(project: string) => boolean> {
    if (principal.kind === 'anonymous' || principal.isDisabled) return () => false;
    if (principal.kind === 'robot') {
      if (principal.project !== null) return (p) => p === principal.project;
      const firsts = principal.permissions.map((perm) => perm.pattern.split('/')[0] as string);
      return (p) => firsts.some((first) => first === '**' || storedPatternMatches(first, p));
    }
    const grants = await this.deps.members.grantsFor(principal.id, await this.deps.teams.teamsOf(principal.id));
    const projects = new Set(grants.map((g) => g.project));
    return (p) => projects.has(p);
  }

  private async hasRepositories(name: string): Promise<boolean> {
    if (await this.deps.repositories.exists(name as RepoName)) return true;
    const after = await this.deps.repositories.list({ n: 1, last: `${name}/` });
    return after.items[0]?.startsWith(`${name}/`) ?? false;
  }

  private async find(name: string): Promise<ProjectRecord> {
    const project = await this.deps.projects.find(name);
    if (!project) throw unknown('project', name);
    return project;
  }
}

export function isAdmin(principal: ResolvedPrincipal): boolean {
  return principal.kind === 'user' && principal.isAdmin && !principal.isDisabled;
}
