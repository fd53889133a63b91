import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config } from './config.schema.ts';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;

function camel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Tree;
  }
  node[path.at(-1)!] = value;
}

/** The schemas that may validate the setting at `path` (several below a discriminated union; none if unknown). */
function schemasAt(schema: z.ZodType, path: string[]): z.ZodType[] {
  let nodes = [schema];
  for (const key of path) {
    nodes = nodes.flatMap((node) => {
      type Def = { type: string; innerType?: z.ZodType; out?: z.ZodType; shape?: Record<string, z.ZodType>; options?: z.ZodType[] };
      let def = node._zod.def as Def;
      // Look through default/prefault/optional wrappers and preprocessing pipes to the object or union.
      for (let inner = def.innerType ?? def.out; inner; inner = def.innerType ?? def.out) def = inner._zod.def as Def;
      if (def.type === 'object') return def.shape![key] ? [def.shape![key]!] : [];
      if (def.type === 'union') return def.options!.flatMap((option) => schemasAt(option, [key]));
      return [];
    });
  }
  return nodes;
}

/**
 * Environment values are strings; one becomes a boolean or integer only where the setting takes no string, so a
 * numeric path or password stays a string.
 */
function envScalar(raw: string, path: string[]): unknown {
  if (schemasAt(ConfigSchema, path).some((schema) => schema.safeParse(raw).success)) return raw;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^-?\d+$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
  return raw;
}

/**
 * `BERTH_LOG__LEVEL=debug` sets `log.level`; `__` nests and `_` inside a segment becomes camelCase
 * (`BERTH_LIMITS__MANIFEST_MAX_BYTES`). Only variables whose first segment is a config section count, so
 * `BERTH_SERVER`, `BERTH_USER` and the like (used by the CLI) never collide with the configuration.
 */
export function configFromEnv(env: NodeJS.ProcessEnv): Tree {
  const tree: Tree = {};
  const sections = new Set(Object.keys(ConfigSchema.shape));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('BERTH_') || raw === undefined) continue;
    const path = name.slice('BERTH_'.length).split('__').map(camel);
    if (!sections.has(path[0]!)) continue;
    setPath(tree, path, envScalar(raw, path));
  }
  return tree;
}

function isPlainObject(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? merge(out[key] as Tree, value) : value;
  }
  return out;
}

export interface LoadConfigOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Command-line overrides (`--listen`, `--data`), applied last. */
  overrides?: Tree;
}

/** defaults < YAML file < environment < command line. Reports every problem at once; returns a frozen config. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  let fromFile: Tree = {};
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ConfigError([`cannot read config file ${opts.file}: ${(err as Error).message}`]);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new ConfigError([`config file ${opts.file} is not valid YAML: ${(err as Error).message}`]);
    }
    if (parsed !== null && parsed !== undefined && !isPlainObject(parsed)) throw new ConfigError([`config file ${opts.file} must be a YAML mapping`]);
    fromFile = (parsed as Tree | null) ?? {};
  }
  const merged = merge(merge(fromFile, configFromEnv(opts.env ?? process.env)), opts.overrides ?? {});
  const result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (isPlainObject(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
