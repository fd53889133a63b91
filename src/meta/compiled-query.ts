import type { Compilable, CompiledQuery, Kysely } from 'kysely';

const SENTINEL = '\u0000berth-param:';

/**
 * A Kysely query built and compiled once, then run with new parameter values: the hot lookups skip query
 * building and SQL generation on every request while staying dialect-neutral Kysely. `build` receives a
 * `param(name)` to use where a value goes; the compiled parameter list is mapped back to those names, so
 * the order Kysely emits them in does not matter. Values that are not params stay as compiled.
 */
export class CompiledLookup<Row, P extends string> {
  private readonly compiled: CompiledQuery<Row>;
  /** Per compiled parameter: the name of the value to bind, or undefined to keep the compiled constant. */
  private readonly slots: Array<P | undefined>;

  constructor(
    private readonly db: Pick<Kysely<any>, 'executeQuery'>,
    build: (param: (name: P) => string) => Compilable<Row>,
  ) {
    this.compiled = build((name) => `${SENTINEL}${name}`).compile();
    this.slots = this.compiled.parameters.map((v) => (typeof v === 'string' && v.startsWith(SENTINEL) ? (v.slice(SENTINEL.length) as P) : undefined));
  }

  /** Runs the query with `values`; `on` a transaction instead of the database it was compiled for, if given. */
  async all(values: Record<P, unknown>, on: Pick<Kysely<any>, 'executeQuery'> = this.db): Promise<Row[]> {
    const parameters = this.slots.map((name, i) => (name === undefined ? this.compiled.parameters[i] : values[name]));
    const result = await on.executeQuery<Row>({ ...this.compiled, parameters });
    return result.rows;
  }

  async first(values: Record<P, unknown>, on?: Pick<Kysely<any>, 'executeQuery'>): Promise<Row | undefined> {
    return (await this.all(values, on))[0];
  }
}
