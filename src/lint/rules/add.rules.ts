/** ADD does more than copy (downloads, extracts); for plain local files COPY says what is meant. */
import type { CopyInstruction } from '../dockerfile.types.ts';
import type { LintContext } from '../lint-context.ts';
import type { LintRule, RuleFinding } from '../lint.types.ts';

const URL_RE = /^(https?:\/\/|git@|git:\/\/)/i;
/** What ADD unpacks: tar, optionally compressed with gzip, bzip2 or xz. */
const ARCHIVE_RE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$/i;

function adds(ctx: LintContext): CopyInstruction[] {
  return ctx.dockerfile.instructions.filter((i): i is CopyInstruction => i.keyword === 'ADD');
}

export const addLocalFile: LintRule = {
  id: 'add-local-file',
  severity: 'warning',
  title: 'ADD used for local files or directories: COPY does the same without the surprises',
  check: (ctx) =>
    adds(ctx).flatMap((add): RuleFinding[] => {
      const local = add.sources.filter((s) => !URL_RE.test(s) && !ARCHIVE_RE.test(s));
      if (local.length === 0 && add.heredocs.length === 0) return [];
      const what = local.length > 0 ? local.join(', ') : 'heredoc content';
      return [{
        range: add.range,
        message: `ADD copies local ${what}; ADD also fetches URLs and unpacks archives, so COPY states the intent`,
        fix: `COPY ${add.rawArgs}`,
      }];
    }),
};

export const addUrlOrArchive: LintRule = {
  id: 'add-url-or-archive',
  severity: 'info',
  title: 'ADD downloads a URL or unpacks an archive',
  check: (ctx) =>
    adds(ctx).flatMap((add): RuleFinding[] => {
      const findings: RuleFinding[] = [];
      const urls = add.sources.filter((s) => URL_RE.test(s));
      const archives = add.sources.filter((s) => !URL_RE.test(s) && ARCHIVE_RE.test(s));
      if (urls.length > 0 && !add.flags.some((f) => f.name === 'checksum')) {
        findings.push({
          range: add.range,
          message: `ADD downloads ${urls.join(', ')} without a checksum: the build trusts whatever the server sends`,
          fix: 'add --checksum=sha256:<digest> (or download with curl in a RUN, verify with sha256sum, and delete what is not needed in the same RUN)',
        });
      }
      if (archives.length > 0) {
        findings.push({
          range: add.range,
          message: `ADD unpacks ${archives.join(', ')} into ${add.destination}`,
          fix: 'keep ADD if unpacking is intended; use COPY to copy the archive as a file',
        });
      }
      return findings;
    }),
};
