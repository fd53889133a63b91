/** What the image the build produces (the final stage, with the stages it builds on) runs as and reports. */
import type { Instruction } from '../dockerfile.types.ts';
import type { LintContext } from '../lint-context.ts';
import type { LintRule, RuleFinding } from '../lint.types.ts';

function finalInstructions(ctx: LintContext): Instruction[] {
  const stage = ctx.finalStage;
  return stage ? ctx.inheritedInstructions(stage) : [];
}

const ROOT_USER = /^(root|0)(:.*)?$/;

export const userMissing: LintRule = {
  id: 'user-missing',
  severity: 'warning',
  title: 'the final stage sets no USER, so the container runs as root',
  check: (ctx) => {
    const stage = ctx.finalStage;
    if (!stage || finalInstructions(ctx).some((i) => i.keyword === 'USER')) return [];
    return [{
      range: stage.from.range,
      message: 'the final stage sets no USER, so the container runs as root unless the base image says otherwise',
      fix: 'create an unprivileged user (RUN useradd --system --uid 10001 app) and switch to it: USER 10001',
    }];
  },
};

export const userRoot: LintRule = {
  id: 'user-root',
  severity: 'warning',
  title: 'the last USER of the final stage is root',
  check: (ctx) => {
    const last = finalInstructions(ctx).filter((i) => i.keyword === 'USER').at(-1);
    if (!last || last.keyword !== 'USER' || !ROOT_USER.test(last.value)) return [];
    return [{
      range: last.range,
      message: `the final USER is "${last.value}", so the container runs as root`,
      fix: 'switch back to an unprivileged user after the steps that need root: USER 10001 (or a named user)',
    }];
  },
};

export const healthcheckMissing: LintRule = {
  id: 'healthcheck-missing',
  severity: 'info',
  title: 'the final stage declares no HEALTHCHECK',
  check: (ctx): RuleFinding[] => {
    const stage = ctx.finalStage;
    if (!stage || finalInstructions(ctx).some((i) => i.keyword === 'HEALTHCHECK')) return [];
    return [{
      range: stage.from.range,
      message: 'the final stage declares no HEALTHCHECK, so the runtime cannot tell a hung container from a healthy one',
      fix: 'add HEALTHCHECK CMD ["/app/healthcheck"] (or HEALTHCHECK NONE to say none is wanted)',
    }];
  },
};
