import type { Command } from 'commander';
import { formatRepositoryRef, parseRepositoryRef } from '../oci/image-ref.ts';
import { classifyTag, semverOf, sortTags, TAG_SORTS, type TagSort } from '../versions/tag-kind.ts';
import type { TagListView } from '../versions/tag-list.service.ts';
import { ApiClient } from './api-client.ts';
import { seg, shortTime } from './api-command.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit, formatTable } from './output.ts';
import { parsePageSize } from './page-size.ts';

interface TagsOptions extends ConnectionOptions {
  pageSize?: string;
  sort?: string;
}

const shortDigest = (digest: string): string => digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, '$1');

function parseSort(raw: string): TagSort {
  if (!(TAG_SORTS as readonly string[]).includes(raw)) throw new CliError(`invalid --sort "${raw.slice(0, 40)}": use ${TAG_SORTS.join(', ')}`, EXIT.CONFIG);
  return raw as TagSort;
}

/** Whether the registry at `api`'s base URL is a Berth server (its management API answers). Never throws. */
async function isBerth(api: ApiClient): Promise<boolean> {
  try {
    const res = await fetch(api.url('/openapi.json'), { headers: { accept: 'application/json' } });
    if (!res.ok) return false;
    return typeof ((await res.json()) as { openapi?: unknown }).openapi === 'string';
  } catch {
    return false;
  }
}

export function registerTagsCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('tags')
      .argument('REPO', 'project/repo, or host[:port]/name on another registry')
      .description('list the tags of a repository (every page); --sort adds kinds, digests and push times')
      .option('--page-size <n>', 'entries asked per request; every page is fetched anyway')
      .option('--sort <order>', `${TAG_SORTS.join(' | ')}: highest version first, newest push first, or by name`),
  )
    .addHelpText('after', `
Without --sort: the tag names in the registry's order, from the registry API (any registry).
With --sort, a Berth server answers each tag's kind (semver, git-sha, channel, date, latest, other), digest and
push time. "version" lists SemVer tags highest first (pre-releases by SemVer 2.0: 1.0.0 > 1.0.0-rc.10 >
1.0.0-rc.2), then dates newest first, channels in their configured order, latest, git hashes newest first,
then the rest by name. Other registries can be sorted by version or name (kinds worked out locally), not by
push time (they do not say).
--json prints {"registry": HOST, "repository": NAME, "tags": [...]}; with --sort the tags are objects
{name, kind, version, digest, pushedAt} (digest and pushedAt only from Berth) and "sort" is added.
Examples:
  berth tags acme/api
  berth tags acme/api --sort version
  berth tags registry.example.com/library/nginx --sort version --json
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND], {
  [EXIT.CONFIG]: 'bad usage, e.g. an invalid --sort, or --sort pushed on a registry that is not Berth',
})}`)
    .action(
      runAction(async (raw: string, opts: TagsOptions) => {
        const ctx = new CliContext(opts);
        const sort = opts.sort === undefined ? undefined : parseSort(opts.sort);
        const ref = ctx.resolve(parseRepositoryRef(raw));
        const what = `tags of ${formatRepositoryRef(ref)}`;
        if (sort !== undefined) {
          const target = ctx.target(ref.registry);
          const api = new ApiClient(target, await ctx.credentials(target.host));
          if (await isBerth(api)) {
            const view = await api.request<TagListView>('GET', `/repositories/${seg(ref.repository)}/tags`, what, { query: { sort } });
            emit(ctx.isJson, { registry: ref.registry, ...view }, () =>
              formatTable([['TAG', 'KIND', 'DIGEST', 'PUSHED'], ...view.tags.map((t) => [t.name, t.kind, shortDigest(t.digest), shortTime(t.pushedAt)])]));
            return;
          }
          if (sort === 'pushed') throw new CliError(`${ref.registry} is not a Berth server: it does not say when tags were pushed (use --sort version or name)`, EXIT.CONFIG);
        }
        const client = await ctx.client(ref.registry);
        const n = parsePageSize(opts.pageSize);
        const tags: string[] = [];
        for await (const tag of client.listPaged(`/v2/${ref.repository}/tags/list${n ? `?n=${n}` : ''}`, 'tags', what)) tags.push(tag);
        if (sort === undefined) {
          emit(ctx.isJson, { registry: ref.registry, repository: ref.repository, tags }, () => tags.join('\n'));
          return;
        }
        const sorted = sortTags(tags.map((name) => ({ name, pushedAt: 0 })), sort).map(({ name }) => {
          const kind = classifyTag(name);
          return { name, kind, version: kind === 'semver' ? semverOf(name)! : null };
        });
        emit(ctx.isJson, { registry: ref.registry, repository: ref.repository, sort, tags: sorted }, () => formatTable([['TAG', 'KIND'], ...sorted.map((t) => [t.name, t.kind])]));
      }),
    );
}
