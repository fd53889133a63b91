import { z } from 'zod';
import type { AccessControl } from '../auth/access.ts';
import { parseReference, type RepoName } from '../oci/names.ts';
import { ReleaseNotes } from '../versions/release-note.ts';
import type { ReleaseNoteService } from '../versions/release-note.service.ts';
import { defineRoute, type ApiRoute } from './api-route.ts';
import { repositoryPuller, RepositoryParams } from './storage.routes.ts';

const NotesParams = RepositoryParams.extend({ reference: z.string().min(1).max(256).describe('a tag or a digest') });
const NotesView = z.object({ repository: z.string(), digest: z.string(), manifest: z.string(), count: z.number(), notes: ReleaseNotes });

/** The release notes of a version (the newest release-notes referrer of the image). */
export function releaseNoteRoutes(deps: { notes: ReleaseNoteService; access: AccessControl }): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/repositories/:repo/release-notes/:reference', tag: 'release-notes', permission: repositoryPuller(deps.access), params: NotesParams, response: NotesView,
      summary: "The newest release notes of an image (tag or digest); the repository name is one path segment with '/' encoded as %2F",
      handle: async ({ params }) => deps.notes.newest(params.repo as RepoName, parseReference(params.reference)),
    }),
  ];
}
