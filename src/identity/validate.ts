import { z } from 'zod';
import { BerthError } from '../errors/berth-error.ts';
import { isRepoName } from '../oci/names.ts';

/**
 * Input validation at the edge of the identity services: zod schemas (the REST layer turns the same schemas
 * into JSON Schema for request validation and the OpenAPI document) and one way of reporting a bad field.
 */

/** Parses `raw` or throws BerthError('BAD_REQUEST') naming the first failing field (`detail.field`). Pure. */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, where = 'body'): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 10).map((issue) => ({ field: fieldName(where, issue.path), message: issue.message }));
  const first = problems[0] ?? { field: where, message: 'invalid' };
  throw new BerthError('BAD_REQUEST', { message: `${first.field}: ${first.message}`, detail: { field: first.field, problems } });
}

/** A BAD_REQUEST about one field, for checks beyond the schema (e.g. a referenced user that does not exist). */
export function badField(field: string, message: string): BerthError {
  return new BerthError('BAD_REQUEST', { message: `${field}: ${message}`, detail: { field, problems: [{ field, message }] } });
}

/** The thing named does not exist, or the caller may not see it (the two must look alike). */
export function unknown(kind: string, name: string): BerthError {
  return new BerthError('RESOURCE_UNKNOWN', { message: `${kind} not found`, detail: { [kind]: name.slice(0, 300) } });
}

function fieldName(where: string, path: readonly PropertyKey[]): string {
  return [where, ...path.map(String)].join('.');
}

const NAME_RE = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;
const NAME_RULE = 'must be 1-64 characters of a-z, 0-9, ".", "_", "-", starting and ending with a letter or digit';

/** Usernames, team names and robot short names. */
export const Name = z.string().regex(NAME_RE, NAME_RULE);

/** A project is the first component of repository names (src/oci/names.ts grammar, no slash). */
export const ProjectName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-z0-9._-]+$/, 'must be a repository name component')
  .refine((name) => isRepoName(name), 'must be a repository name component: [a-z0-9]+ joined by ".", "_", "__" or "-"');

/** New passwords: at least 8 characters; the 1024-byte ceiling is checked by hashPassword. */
export const Password = z.string().min(8, 'must be at least 8 characters').max(1024);

/** A point in time as RFC 3339 text with an offset. */
export const Timestamp = z.iso.datetime({ offset: true });

/** Parses a Timestamp already validated by the schema into epoch milliseconds. */
export const toEpochMs = (text: string): number => Date.parse(text);
