import { BerthError } from '../errors/berth-error.ts';
import { afterChange, isoTime, type Actor, type ChangeEffects } from '../identity/identity-context.ts';
import { parseInput } from '../identity/validate.ts';
import type { TrustPolicyRecord, TrustRepo } from '../meta/trust.repo.ts';
import { compileTrustPolicy, TrustPolicyBody, type TrustPolicy, type TrustPolicyView } from './trust-policy.ts';

/**
 * Trust policies per project: stored in the metadata store, held compiled in memory (the pull path asks
 * `policyFor` synchronously), every change audited. `onChange` listeners (the verification cache) hear about
 * each project whose policy changed. Errors are BerthErrors.
 */
export class TrustPolicyService {
  private readonly compiled = new Map<string, { policy: TrustPolicy; record: TrustPolicyRecord }>();

  constructor(
    private readonly deps: {
      repo: Pick<TrustRepo, 'list' | 'find' | 'put' | 'delete'>;
      fx: ChangeEffects;
      /** Called after a project's policy changed or was removed. Must not throw. */
      onChange: (project: string) => void;
    },
  ) {}

  /** Reads every stored policy into memory (start-up, or to pick up another node's changes). Throws on a bad row. */
  async load(): Promise<void> {
    const records = await this.deps.repo.list();
    const next = new Map<string, { policy: TrustPolicy; record: TrustPolicyRecord }>();
    for (const record of records) next.set(record.project, { policy: this.compile(record), record });
    for (const project of new Set([...this.compiled.keys(), ...next.keys()])) {
      if (this.compiled.get(project)?.record.updatedAt !== next.get(project)?.record.updatedAt) this.deps.onChange(project);
    }
    this.compiled.clear();
    for (const [project, entry] of next) this.compiled.set(project, entry);
  }

  private compile(record: TrustPolicyRecord): TrustPolicy {
    try {
      return compileTrustPolicy(record.project, parseInput(TrustPolicyBody, { ...(JSON.parse(record.policyJson) as object), mode: record.mode }));
    } catch (err) {
      throw new Error(`the stored trust policy of project ${record.project} cannot be read: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The project's compiled policy, from memory; undefined when it has none. Hot path: no I/O. */
  policyFor(project: string): TrustPolicy | undefined {
    return this.compiled.get(project)?.policy;
  }

  /** Throws RESOURCE_UNKNOWN when the project has no trust policy. */
  async get(project: string): Promise<TrustPolicyView> {
    const record = await this.deps.repo.find(project);
    if (!record) throw noPolicy(project);
    return toView(this.compile(record), record);
  }

  /** Creates or replaces the project's policy. Throws BAD_REQUEST naming the field (keys and roots are parsed). */
  async set(actor: Actor, project: string, raw: unknown): Promise<TrustPolicyView> {
    const body = parseInput(TrustPolicyBody, raw);
    const policy = compileTrustPolicy(project, body);
    const { mode, ...rest } = body;
    const record: TrustPolicyRecord = { project, mode, policyJson: JSON.stringify(rest), updatedBy: actor.name, updatedAt: this.deps.fx.now() };
    await this.deps.repo.put(record);
    this.compiled.set(project, { policy, record });
    this.deps.onChange(project);
    afterChange(this.deps.fx, actor, {
      action: 'trust-policy.set',
      project,
      detail: {
        mode,
        keys: policy.keys.map((k) => ({ name: k.name, hint: k.key.hint })),
        identities: body.keyless?.identities ?? [],
        requiredAttestations: policy.requiredAttestations,
      },
    });
    return toView(policy, record);
  }

  /** Removes the project's policy (pulls are no longer judged for trust). Throws RESOURCE_UNKNOWN when none. */
  async remove(actor: Actor, project: string): Promise<void> {
    if (!(await this.deps.repo.delete(project))) throw noPolicy(project);
    this.compiled.delete(project);
    this.deps.onChange(project);
    afterChange(this.deps.fx, actor, { action: 'trust-policy.delete', project });
  }
}

function noPolicy(project: string): BerthError {
  return new BerthError('RESOURCE_UNKNOWN', { message: `project ${project} has no trust policy`, detail: { project } });
}

function toView(policy: TrustPolicy, record: TrustPolicyRecord): TrustPolicyView {
  const { body } = policy;
  return {
    project: record.project,
    mode: body.mode,
    keys: body.keys.map((k, i) => ({ ...k, hint: policy.keys[i]!.key.hint, algorithm: policy.keys[i]!.key.algorithm })),
    ...(body.keyless ? { keyless: body.keyless } : {}),
    requiredAttestations: body.requiredAttestations,
    updatedBy: record.updatedBy,
    updatedAt: isoTime(record.updatedAt),
  };
}
