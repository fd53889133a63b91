import type { Command } from 'commander';
import type { ProjectView as Project } from '../identity/project.service.ts';
import { apiAction, apiCommand, commandGroup, deleteCommand, parseProject, seg, shortTime } from './api-command.ts';
import type { ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';
import { registerProjectMemberCommands } from './project-member.command.ts';

interface VisibilityOptions extends ConnectionOptions {
  public?: boolean;
  private?: boolean;
}

const visibility = (p: Project): string => (p.isPublic ? 'public' : 'private');

/** --public / --private as isPublic; undefined when neither was given. Throws CliError(CONFIG) for both. */
function isPublicOption(opts: VisibilityOptions): boolean | undefined {
  if (opts.public && opts.private) throw new CliError('give --public or --private, not both', EXIT.CONFIG);
  return opts.public ? true : opts.private ? false : undefined;
}

export function registerProjectCommands(program: Command): void {
  const project = commandGroup(program, 'project', 'manage projects (the first path component of repository names), their members and grants');

  apiCommand(project, 'list', 'list the projects you may see', `
Admins see every project; others the public ones and those they are a member of.
--json prints {"projects": [{name, isPublic, createdAt}, ...]}.
Example: berth project list`).action(
    apiAction(async (ctx, api, _opts: ConnectionOptions) => {
      const projects = await (await api()).all<Project>('/projects', 'list projects');
      emit(ctx.isJson, { projects }, () => formatTable([['PROJECT', 'VISIBILITY', 'CREATED'], ...projects.map((p) => [p.name, visibility(p), shortTime(p.createdAt)])]));
    }),
  );

  apiCommand(project, 'create', 'create a project (private unless --public)', `
Admins may create projects; other users only when the server allows self-service projects.
A public project lets anyone pull its repositories without signing in.
--json prints the new project {name, isPublic, createdAt}.
Examples:
  berth project create app
  berth project create docs --public`)
    .argument('PROJECT', 'a repository name component: [a-z0-9]+ joined by ".", "_", "__" or "-"')
    .option('--public', 'anyone may pull')
    .option('--private', 'only members may pull (the default)')
    .action(
      apiAction(async (ctx, api, raw: string, opts: VisibilityOptions) => {
        const name = parseProject(raw);
        const isPublic = isPublicOption(opts) ?? false;
        const created = await (await api()).request<Project>('POST', '/projects', `create project ${name}`, { body: { name, isPublic } });
        emit(ctx.isJson, created, () => `Created ${visibility(created)} project ${created.name}`);
      }),
    );

  apiCommand(project, 'show', 'show one project', `
--json prints {name, isPublic, createdAt}.
Example: berth project show app`)
    .argument('PROJECT')
    .action(
      apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
        const name = parseProject(raw);
        const found = await (await api()).request<Project>('GET', `/projects/${seg(name)}`, `project ${name}`);
        emit(ctx.isJson, found, () => formatTable([['project', found.name], ['visibility', visibility(found)], ['created', shortTime(found.createdAt)]]));
      }),
    );

  apiCommand(project, 'update', "change a project's visibility", `
Needs the project's owner role (or admin).
--json prints the updated project.
Example: berth project update app --public`)
    .argument('PROJECT')
    .option('--public', 'anyone may pull')
    .option('--private', 'only members may pull')
    .action(
      apiAction(async (ctx, api, raw: string, opts: VisibilityOptions) => {
        const name = parseProject(raw);
        const isPublic = isPublicOption(opts);
        if (isPublic === undefined) throw new CliError('nothing to change: give --public or --private', EXIT.CONFIG);
        const updated = await (await api()).request<Project>('PATCH', `/projects/${seg(name)}`, `update project ${name}`, { body: { isPublic } });
        emit(ctx.isJson, updated, () => `Project ${updated.name} is now ${visibility(updated)}`);
      }),
    );

  deleteCommand(project, { noun: 'project', arg: 'PROJECT', description: 'delete a project (admins; refused while it has repositories)', example: 'old', collection: '/projects', parse: parseProject });

  registerProjectMemberCommands(project);
}
