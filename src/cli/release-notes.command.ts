import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatRepositoryRef, parseImageRef } from '../oci/image-ref.ts';
import { pushReferrer } from '../sign/signature-store.ts';
import { buildReleaseNotes, RELEASE_NOTES_TYPE } from '../versions/release-note.ts';
import type { ReleaseNotesView } from '../versions/release-note.service.ts';
import { apiAction, apiCommand, commandGroup, seg } from './api-command.ts';
import { CliContext, CONNECTION_HELP, runAction, withConnectionOptions, type ConnectionOptions } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import { EXIT, exitCodesHelp } from './exit-codes.ts';
import { emit } from './output.ts';
import { readStdin } from './prompt.ts';

interface SetOptions extends ConnectionOptions {
  file: string;
  changes: string[];
  knownIssues: string[];
  upgrade: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

async function readNotes(path: string): Promise<string> {
  if (path === '-') return readStdin();
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.CONFIG);
  }
}

/** The notes as text: the structured lists first, then the Markdown. */
export function formatReleaseNotes(view: ReleaseNotesView): string {
  const n = view.notes;
  const lines = [`Release notes of ${view.repository}@${view.digest} (${n.createdAt}${view.count > 1 ? `, newest of ${view.count}` : ''})`];
  const list = (title: string, items: string[]) => {
    if (items.length > 0) lines.push('', `${title}:`, ...items.map((i) => `  - ${i}`));
  };
  list('Changes', n.changes);
  list('Known issues', n.knownIssues);
  list('Upgrade notes', n.upgrade);
  if (n.markdown.trim() !== '') lines.push('', n.markdown.trimEnd());
  return lines.join('\n');
}

export function registerReleaseNotesCommands(program: Command): void {
  const group = commandGroup(program, 'release-notes', 'release notes of a version, stored as an OCI artifact that refers to the image');

  withConnectionOptions(
    group
      .command('set')
      .argument('IMAGE', 'project/repo[:tag|@digest], or host[:port]/name[:tag|@digest]; a tag is resolved to its digest')
      .description('attach release notes to an image (a new notes artifact; the newest one is shown)')
      .requiredOption('-f, --file <NOTES.md>', 'the notes in Markdown ("-" reads standard input)')
      .option('--changes <text>', 'one change (repeatable)', collect, [])
      .option('--known-issues <text>', 'one known issue (repeatable)', collect, [])
      .option('--upgrade <text>', 'one upgrade note (repeatable)', collect, []),
  )
    .addHelpText('after', `
The notes are pushed through the registry API as an OCI 1.1 artifact: an image manifest with artifactType
${RELEASE_NOTES_TYPE}, the empty config, one layer holding
{schemaVersion: 1, markdown, changes, knownIssues, upgrade, createdAt}, and "subject" = the image, so they
travel with every copy that carries referrers (berth promote, berth copy, replication). On a registry without
the referrers API the tag-schema fallback index (sha256-<hex>) is updated too. Setting notes again adds a newer
artifact; "show" and the API show the newest.
--json prints {image: {registry, repository, digest}, manifest, isFallback}.
Example: berth release-notes set acme/api:1.4.0 --file NOTES.md --changes "faster startup" --upgrade "run migrations"
${CONNECTION_HELP}
${exitCodesHelp([EXIT.OK, EXIT.FAILURE, EXIT.CONFIG, EXIT.UNAVAILABLE, EXIT.DENIED, EXIT.NOT_FOUND], { [EXIT.CONFIG]: 'bad usage or an unreadable notes file' })}`)
    .action(
      runAction(async (raw: string, opts: SetOptions) => {
        const ctx = new CliContext(opts);
        const ref = ctx.resolve(parseImageRef(raw));
        const markdown = await readNotes(opts.file);
        const client = await ctx.client(ref.registry);
        const image = await client.getManifest(ref.repository, (ref.digest ?? ref.tag)!);
        const built = buildReleaseNotes(
          { mediaType: image.mediaType, digest: image.digest, size: image.bytes.length },
          { schemaVersion: 1, markdown, changes: opts.changes, knownIssues: opts.knownIssues, upgrade: opts.upgrade, createdAt: new Date().toISOString() },
        );
        const { isFallback } = await pushReferrer(client, ref.repository, image.digest, built, RELEASE_NOTES_TYPE);
        const result = { image: { registry: ref.registry, repository: ref.repository, digest: image.digest }, manifest: built.digest, isFallback };
        emit(ctx.isJson, result, () => `Release notes ${built.digest} attached to ${formatRepositoryRef(ref)}@${image.digest}${isFallback ? ' (fallback index updated)' : ''}`);
      }),
    );

  apiCommand(group, 'show', 'show the newest release notes of an image on the server', `
--json prints the API's answer: {repository, digest, manifest, count, notes: {schemaVersion, markdown, changes,
knownIssues, upgrade, createdAt}}.
Example: berth release-notes show acme/api:1.4.0`)
    .argument('IMAGE', 'project/repo[:tag|@digest] on the server')
    .action(
      apiAction(async (ctx, api, raw: string, _opts: ConnectionOptions) => {
        const ref = parseImageRef(raw);
        if (ref.registry !== undefined && ref.registry !== ctx.server?.host) throw new CliError('release-notes show reads from the Berth server (--server): name the image without another registry', EXIT.CONFIG);
        const reference = ref.digest ?? ref.tag!;
        const view = await (await api()).request<ReleaseNotesView>('GET', `/repositories/${seg(ref.repository)}/release-notes/${seg(reference)}`, `release notes of ${ref.repository}:${reference}`);
        emit(ctx.isJson, view, () => formatReleaseNotes(view));
      }),
    );
}
