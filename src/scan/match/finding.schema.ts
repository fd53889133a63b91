import { z } from 'zod';

/** A VulnerabilityFinding (vulnerability-matcher.ts) as the API shows it: one schema for every route that answers findings. */
export const FindingView = z.object({
  id: z.string(),
  aliases: z.array(z.string()),
  summary: z.string().optional(),
  package: z.object({
    ecosystem: z.string(),
    name: z.string(),
    version: z.string(),
    purl: z.string().optional(),
    source: z.object({ name: z.string(), version: z.string() }).optional(),
  }),
  severity: z.enum(['none', 'low', 'medium', 'high', 'critical']),
  isSeverityUnknown: z.boolean().optional(),
  score: z.number().optional(),
  vector: z.string().optional(),
  fixedVersions: z.array(z.string()),
  published: z.string().optional(),
  modified: z.string().optional(),
});
