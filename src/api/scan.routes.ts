import { z } from 'zod';
import type { AccessControl } from '../auth/access.ts';
import { BerthError } from '../errors/berth-error.ts';
import { badField, unknown } from '../identity/validate.ts';
import { isDigest } from '../oci/digest.ts';
import type { RepoName } from '../oci/names.ts';
import { toJsonReport } from '../scan/report/json.report.ts';
import type { ScanReport } from '../scan/report/scan-report.ts';
import { toSarif } from '../scan/report/sarif.report.ts';
import { renderTable } from '../scan/report/table.report.ts';
import { toVex } from '../scan/report/vex.report.ts';
import { AffectedView, ImageReportView, RepositoryReportView, type ImageScan, type ScanReportService } from '../scan/registry/scan-report.service.ts';
import type { ScanService } from '../scan/registry/scan.service.ts';
import { parseStoredImage } from './analysis.routes.ts';
import { defineRoute, type ApiRoute, type Guard } from './api-route.ts';
import type { Guards } from './guards.ts';
import { checkPull, repositoryPuller, RepositoryParams } from './storage.routes.ts';

const ImageField = z.string().min(1).max(512).describe('repo:tag or repo@digest of an image stored here (a bare repo means :latest)');
const PLATFORM_RE = /^[a-z0-9_.-]+\/[a-z0-9_.-]+(?:\/[a-z0-9_.-]+)?$/;

export const ScanReportQuery = z.object({
  image: ImageField,
  format: z.enum(['json', 'table', 'sarif', 'vex']).default('json').describe('json: the stored results per image (for an index, per platform); table, sarif, vex: one image rendered'),
  platform: z.string().regex(PLATFORM_RE, 'must be os/arch[/variant]').optional().describe('for table/sarif/vex of an index: the image (default linux/amd64)'),
});

export const ScanRequestBody = z.object({
  image: ImageField,
  wait: z.boolean().default(false).describe('answer when the scan has finished, with the report'),
}).strict();

export const ScanRequestView = z.object({
  /** The image manifests queued (an index's images; none for an artifact). */
  queued: z.array(z.string()),
  report: ImageReportView.optional(),
});

export const VulnerabilityParams = z.object({ id: z.string().min(1).max(128).describe('an advisory id or alias: CVE-2024-1234, GHSA-..., DSA-...') });

function imageOrThrow(raw: unknown): ReturnType<typeof parseStoredImage> & object {
  const parsed = typeof raw === 'string' ? parseStoredImage(raw) : undefined;
  if (!parsed) throw badField('image', 'must be repo:tag or repo@digest of an image in this registry');
  return parsed;
}

/** Pull on the repository of `image` (in the query or the body); an image the caller may not see answers 404. */
function imagePuller(access: AccessControl, from: 'query' | 'body'): Guard {
  return {
    describe: "pull on the image's repository (others get 404)",
    requiresAuth: true,
    async check(input) {
      if (input.caller.principal.kind === 'anonymous') throw new BerthError('UNAUTHORIZED');
      // The body is not read yet when guards run: a POST is checked again by its handler.
      if (from === 'body') return;
      const raw = String(input.query.image ?? '');
      await checkPull(access, input, imageOrThrow(raw).repo, () => unknown('image', raw));
    },
  };
}

function reportOf(scan: ImageScan): ScanReport {
  return { subject: { name: scan.name, digest: scan.digest }, findings: scan.findings, revision: scan.revision, generatedAt: new Date(scan.scannedAt).toISOString(), inventory: scan.inventory };
}

export function scanRoutes(deps: { scans: ScanService; reports: ScanReportService; access: AccessControl }, g: Guards): ApiRoute[] {
  const { scans, reports, access } = deps;
  return [
    defineRoute({
      method: 'GET', path: '/scans', tag: 'scans', permission: imagePuller(access, 'query'), query: ScanReportQuery,
      summary: 'Vulnerability report of an image stored here: JSON per image (an index per platform), or one image as a table, SARIF 2.1.0 or CycloneDX VEX',
      alsoProduces: [
        { contentType: 'text/plain', description: 'format=table' },
        { contentType: 'application/sarif+json', description: 'format=sarif' },
        { contentType: 'application/vnd.cyclonedx+json', description: 'format=vex' },
      ],
      async handle({ query, reply }) {
        const { repo, ref } = imageOrThrow(query.image);
        if (query.format === 'json') return ImageReportView.parse(await reports.image(repo, ref));
        const scan = await reports.imageScan(repo, ref, query.platform);
        if (!scan) throw new BerthError('RESOURCE_UNKNOWN', { message: `${query.image} has not been scanned yet: POST /api/v1/scans to scan it`, detail: { image: query.image } });
        const report = reportOf(scan);
        switch (query.format) {
          case 'table':
            return reply.code(200).type('text/plain; charset=utf-8').send(renderTable(report));
          case 'sarif':
            return reply.code(200).type('application/sarif+json').send(JSON.stringify(toSarif(report)));
          case 'vex':
            return reply.code(200).type('application/vnd.cyclonedx+json').send(JSON.stringify(toVex(report)));
        }
      },
    }),
    defineRoute({
      method: 'POST', path: '/scans', tag: 'scans', permission: imagePuller(access, 'body'), body: ScanRequestBody, response: ScanRequestView,
      summary: 'Scan an image stored here now (ahead of push and background scans); with wait: true, answers with the report',
      async handle({ body, ...c }) {
        const input = ScanRequestBody.parse(body);
        const { repo, ref } = imageOrThrow(input.image);
        await checkPull(access, c, repo, () => unknown('image', input.image));
        const digest = ref.kind === 'digest' ? ref.digest : (await reports.image(repo, ref)).digest;
        if (!isDigest(digest)) throw unknown('image', input.image);
        const { digests, done } = await scans.request(repo, digest, 'adhoc');
        if (!input.wait) return { queued: digests };
        await done;
        return { queued: digests, report: await reports.image(repo, { kind: 'digest', digest }) };
      },
    }),
    defineRoute({
      method: 'GET', path: '/repositories/:repo/scans', tag: 'scans', permission: repositoryPuller(access), params: RepositoryParams, response: RepositoryReportView,
      summary: "Scan status and severity counts of every image of a repository; the name is one path segment with '/' encoded as %2F",
      handle: async ({ params }) => reports.repository(params.repo as RepoName),
    }),
    defineRoute({
      method: 'GET', path: '/vulnerabilities/:id/images', tag: 'scans', permission: g.signedIn, params: VulnerabilityParams, response: AffectedView,
      summary: 'Images affected by a vulnerability, named by its id or any alias (only repositories the caller may pull)',
      handle: async ({ params, ...c }) => reports.affected(params.id, (repo) => access.can(c.caller, { action: 'pull', repo }, c.ctx)),
    }),
    defineRoute({
      method: 'POST', path: '/scans/all', tag: 'scans', permission: g.admin, response: z.object({ queued: z.number().int() }),
      summary: 'Queue a background scan of every image stored (user and push scans still go first)',
      handle: async () => ({ queued: await scans.scanAll() }),
    }),
    defineRoute({
      method: 'GET', path: '/scans/queue', tag: 'scans', permission: g.admin, response: z.object({ queued: z.number().int(), running: z.number().int() }),
      summary: 'Scan jobs queued and running',
      handle: async () => scans.queue.stats(),
    }),
  ];
}
