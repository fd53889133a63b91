import { z } from 'zod';
import { evaluateIpRules, parseCidr, parseCidrList, parseIp } from '../auth/ip-rules.ts';
import { BerthError } from '../errors/berth-error.ts';
import type { IpRuleRecord, IpRuleRepo, IpRuleScope } from '../meta/identity-store.ts';
import { afterChange, isoTime, type Actor, type ChangeEffects } from './identity-context.ts';
import { pageArray, type ListQuery, type Paged } from './list-page.ts';
import { badField, parseInput, unknown } from './validate.ts';

export const AddIpRuleBody = z.strictObject({
  effect: z.enum(['allow', 'deny']),
  cidr: z.string().min(1).max(64),
});

export const IpRuleView = z.object({ id: z.string(), effect: z.enum(['allow', 'deny']), cidr: z.string(), createdAt: z.string() });
export type IpRuleView = z.infer<typeof IpRuleView>;

/** Where a rule list lives: system-wide, a project (by name) or a robot (by id; `label` is its name, for audit). */
export interface IpRuleTarget {
  scope: IpRuleScope;
  scopeId: string;
  project: string | null;
  label: string;
}

const toView = (r: IpRuleRecord): IpRuleView => ({ id: r.id, effect: r.effect, cidr: r.cidr, createdAt: isoTime(r.createdAt) });

/** Allow/deny CIDR rules at system, project and robot level. Safe concurrently; errors are BerthErrors. */
export class IpRuleService {
  constructor(private readonly deps: { ipRules: Pick<IpRuleRepo, 'add' | 'remove' | 'list'>; fx: ChangeEffects }) {}

  /** In the order they were added. */
  async list(target: IpRuleTarget, query: ListQuery): Promise<Paged<IpRuleView>> {
    return pageArray((await this.deps.ipRules.list(target.scope, target.scopeId)).map(toView), (r) => r.id, query);
  }

  /**
   * Throws BAD_REQUEST for a malformed CIDR, CONFLICT for a system rule that would shut out the caller's own
   * address (system rules bind administrators too, so such a rule could never be removed from there).
   */
  async add(actor: Actor, target: IpRuleTarget, raw: unknown): Promise<IpRuleView> {
    const input = parseInput(AddIpRuleBody, raw);
    let cidr: string;
    try {
      cidr = parseCidr(input.cidr).source;
    } catch (err) {
      throw badField('body.cidr', (err as Error).message);
    }
    if (target.scope === 'system') await this.refuseSelfLockout(actor, { effect: input.effect, cidr });
    const rule = await this.deps.ipRules.add({ scope: target.scope, scopeId: target.scopeId, effect: input.effect, cidr });
    afterChange(this.deps.fx, actor, { action: 'ip-rule.add', project: target.project, detail: { scope: target.scope, target: target.label, effect: rule.effect, cidr } });
    return toView(rule);
  }

  private async refuseSelfLockout(actor: Actor, rule: { effect: 'allow' | 'deny'; cidr: string }): Promise<void> {
    const ip = actor.sourceIp === null ? undefined : parseIp(actor.sourceIp);
    if (ip === undefined) return;
    const current = await this.deps.ipRules.list('system', '');
    const toRules = (effect: 'allow' | 'deny') => [...current.filter((r) => r.effect === effect).map((r) => r.cidr), ...(rule.effect === effect ? [rule.cidr] : [])];
    const rules = { allow: parseCidrList(toRules('allow')), deny: parseCidrList(toRules('deny')) };
    if (!evaluateIpRules([{ level: 'system', rules }], ip).allowed) {
      throw new BerthError('CONFLICT', {
        message: `this ${rule.effect} rule would shut out your own address ${actor.sourceIp}: add an allow rule for it first`,
        detail: { cidr: rule.cidr, sourceIp: actor.sourceIp },
      });
    }
  }

  /** Throws RESOURCE_UNKNOWN when `id` is not a rule of this target. */
  async remove(actor: Actor, target: IpRuleTarget, id: string): Promise<void> {
    const rule = (await this.deps.ipRules.list(target.scope, target.scopeId)).find((r) => r.id === id);
    if (!rule || !(await this.deps.ipRules.remove(id))) throw unknown('ip-rule', id);
    afterChange(this.deps.fx, actor, { action: 'ip-rule.remove', project: target.project, detail: { scope: target.scope, target: target.label, effect: rule.effect, cidr: rule.cidr } });
  }
}
