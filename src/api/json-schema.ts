import { z } from 'zod';

/**
 * zod -> JSON Schema, for Fastify (ajv validates requests, fast-json-stringify serializes answers, which also
 * drops any field the answer schema does not name) and for the OpenAPI document. Draft 7 output, which ajv's
 * default dialect reads and which is a subset OpenAPI 3.1's JSON Schema accepts.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}
