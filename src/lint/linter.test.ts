import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDockerfile } from './dockerfile-parser.ts';
import { LintConfigError, parseLintConfig } from './lint-config.ts';
import { lintDockerfile } from './linter.ts';
import { ALL_RULES } from './rules/index.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/dockerfiles/', import.meta.url));

function lint(source: string, config?: Parameters<typeof lintDockerfile>[1]) {
  const dockerfile = parseDockerfile(source);
  assert.deepEqual(dockerfile.errors, [], 'the test Dockerfile must parse');
  return lintDockerfile(dockerfile, config);
}

/** The findings of one rule for a Dockerfile given as lines. */
function findingsOf(ruleId: string, lines: string[]) {
  return lint(`${lines.join('\n')}\n`).findings.filter((f) => f.ruleId === ruleId);
}

describe('lint fixtures: one per rule', () => {
  it('finds nothing in the clean Dockerfile', async () => {
    const result = lint(await readFile(join(FIXTURES, 'clean.Dockerfile'), 'utf8'));
    assert.deepEqual(result.findings, []);
  });

  for (const rule of ALL_RULES) {
    it(`${rule.id}.Dockerfile triggers ${rule.id} and nothing else`, async () => {
      const result = lint(await readFile(join(FIXTURES, `${rule.id}.Dockerfile`), 'utf8'));
      assert.deepEqual([...new Set(result.findings.map((f) => f.ruleId))], [rule.id]);
      for (const f of result.findings) {
        assert.equal(f.severity, rule.severity);
        assert.ok(f.message.length > 10 && f.fix.length > 10, 'a finding says what is wrong and how to fix it');
        assert.ok(f.range.start >= 1 && f.range.end >= f.range.start);
      }
    });
  }
});

describe('lint rules: the cases around each rule', () => {
  const cases: Array<[rule: string, lines: string[], count: number]> = [
    ['package-cache-not-cleaned', ['FROM debian:12', 'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*'], 0],
    ['package-cache-not-cleaned', ['FROM debian:12', 'RUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y --no-install-recommends curl'], 0],
    ['package-cache-not-cleaned', ['FROM python:3.12-slim', 'RUN pip install flask'], 1],
    ['package-cache-not-cleaned', ['FROM python:3.12-slim', 'RUN python3 -m pip install --no-cache-dir flask'], 0],
    ['package-cache-not-cleaned', ['FROM python:3.12-slim', 'ENV PIP_NO_CACHE_DIR=1', 'RUN pip install flask'], 0],
    ['package-cache-not-cleaned', ['FROM node:22-slim', 'RUN npm ci'], 1],
    ['package-cache-not-cleaned', ['FROM node:22-slim', 'RUN npm ci && npm cache clean --force'], 0],
    ['package-cache-not-cleaned', ['FROM fedora:40', 'RUN dnf install -y tar && dnf clean all'], 0],
    ['package-cache-not-cleaned', ['FROM rockylinux:9', 'RUN yum install -y tar'], 1],
    ['package-cache-not-cleaned', ['FROM alpine:3.20', 'RUN <<EOF', 'set -e', 'apk add curl', 'EOF'], 1],
    ['package-cache-not-cleaned', ['FROM alpine:3.20', 'RUN ["/bin/sh", "-c", "apk add curl && pip install x"]'], 2],
    ['build-tools-in-final-stage', ['FROM alpine:3.20', 'RUN apk add --no-cache --virtual .build-deps gcc musl-dev && make && apk del .build-deps'], 0],
    ['build-tools-in-final-stage', ['FROM debian:12', 'RUN apt-get update && apt-get install -y --no-install-recommends gcc=4:12.2.0-3 && make && apt-get purge -y gcc && rm -rf /var/lib/apt/lists/*'], 0],
    ['build-tools-in-final-stage', ['FROM debian:12', 'RUN saved="$(apt-mark showmanual)"; apt-get install -y --no-install-recommends gcc make; make; apt-mark auto \'.*\' > /dev/null; apt-mark manual $saved; apt-get purge -y --auto-remove'], 0],
    ['build-tools-in-final-stage', ['FROM golang:1.22', 'RUN go build -o /app .', 'CMD ["/app"]'], 1],
    ['build-tools-in-final-stage', ['FROM eclipse-temurin:21-jre', 'CMD ["java"]'], 0],
    ['build-tools-in-final-stage', ['FROM debian:12 AS base', 'RUN apt-get install -y --no-install-recommends build-essential', 'FROM base', 'CMD ["/app"]'], 1],
    ['secret-in-env-arg', ['FROM alpine:3.20', 'ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D AWS_ACCESS_KEY_ID=AKIA PASSWORD='], 0],
    ['secret-in-env-arg', ['ARG NPM_TOKEN', 'FROM alpine:3.20', 'ENV dbPassword=hunter2'], 2],
    ['copy-from-unknown-stage', ['FROM alpine:3.20 AS a', 'COPY --from=1 /x /x', 'FROM alpine:3.20 AS b'], 1],
    ['copy-from-unknown-stage', ['FROM alpine:3.20 AS a', 'COPY --from=later /x /x', 'FROM alpine:3.20 AS later'], 1],
    ['copy-from-unknown-stage', ['ARG SRC=a', 'FROM alpine:3.20', 'COPY --from=nginx:1.27 /etc/nginx /etc/nginx', 'COPY --from=$SRC /x /x'], 0],
    ['curl-pipe-shell', ['FROM alpine:3.20', 'RUN curl -fsSL https://example.com/i.sh | sudo bash -s'], 1],
    ['curl-pipe-shell', ['FROM alpine:3.20', 'RUN curl -fsSLo i.sh https://example.com/i.sh && sha256sum -c i.sha256 && sh i.sh'], 0],
    ['user-root', ['FROM alpine:3.20', 'USER app', 'USER 0:0'], 1],
    ['user-missing', ['FROM alpine:3.20 AS base', 'USER app', 'FROM base'], 0],
    ['base-image-untagged', ['FROM alpine@sha256:0a4eaa0eecf5f8c050e5bba433f58c052be7587ee8af3e8b3910ef9ab5fbe9f5', 'FROM scratch', 'ARG BASE', 'FROM $BASE'], 0],
    ['base-image-untagged', ['FROM alpine:3.20 AS build', 'FROM build', 'FROM localhost:5000/team/app'], 1],
    ['apt-no-install-recommends', ['FROM debian:12', 'RUN apt-get -o APT::Install-Recommends=false install -y curl'], 0],
    ['update-without-install', ['FROM alpine:3.20', 'RUN apk update'], 1],
    ['cd-in-run', ['FROM alpine:3.20', 'RUN <<EOF', 'cd /src', 'make', 'EOF'], 1],
    ['sudo-in-run', ['FROM alpine:3.20', 'RUN echo sudo is just a word here'], 0],
    ['add-url-or-archive', ['FROM alpine:3.20', 'ADD https://example.com/tool /usr/local/bin/tool'], 1],
    ['add-url-or-archive', ['FROM alpine:3.20', 'ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool /usr/local/bin/tool'], 0],
    ['add-local-file', ['FROM alpine:3.20', 'ADD <<EOF /etc/motd', 'hello', 'EOF'], 1],
    ['cmd-shell-form', ['FROM alpine:3.20', 'CMD ["sh", "-c", "exec app"]', 'ENTRYPOINT exec app'], 1],
    ['consecutive-run', ['FROM alpine:3.20', 'RUN a', 'COPY x /x', 'RUN b'], 0],
    ['workdir-relative', ['FROM alpine:3.20', 'ENV APP=/srv', 'WORKDIR $APP/data', 'WORKDIR ./relative'], 1],
  ];
  for (const [rule, lines, count] of cases) {
    it(`${rule}: ${count} in ${JSON.stringify(lines.slice(1).join(' | ')).slice(0, 110)}`, () => {
      assert.equal(findingsOf(rule, lines).length, count, JSON.stringify(findingsOf(rule, lines), null, 1));
    });
  }

  it('reports a group of consecutive RUNs once, spanning them all', () => {
    const [finding, ...rest] = findingsOf('consecutive-run', ['FROM alpine:3.20', 'RUN a', 'RUN b \\', '  c', '# between', 'RUN d']);
    assert.deepEqual(rest, []);
    assert.deepEqual(finding!.range, { start: 2, end: 6 });
    assert.match(finding!.message, /3 consecutive RUN instructions \(lines 2, 3, 6\)/);
  });
});

describe('lint: disabling rules', () => {
  const source = ['FROM alpine:3.20', 'RUN apk add curl', '# berth-lint ignore=cd-in-run, package-cache-not-cleaned', '# why: the cache is wanted here', 'RUN cd /tmp && apk add git', 'USER app', 'HEALTHCHECK NONE'];

  it('silences the rules an ignore comment names for the instruction below it only', () => {
    const ids = lint(`${source.join('\n')}\n`).findings.map((f) => `${f.ruleId}@${f.range.start}`);
    assert.deepEqual(ids, ['consecutive-run@2', 'package-cache-not-cleaned@2']);
  });

  it('does not carry an ignore comment across a blank line, and says so', () => {
    const result = lint('FROM alpine:3.20\n# berth-lint ignore=cd-in-run\n\nRUN cd /tmp\nUSER app\nHEALTHCHECK NONE\n');
    assert.deepEqual(result.findings.map((f) => f.ruleId), ['cd-in-run']);
    assert.deepEqual(result.notices.map((n) => n.line), [2]);
  });

  it('silences a rule for the whole file with ignore-file, and notes unknown rule ids', () => {
    const result = lint(`# berth-lint ignore-file=package-cache-not-cleaned,no-such-rule\n${source.join('\n').replace('# berth-lint ignore=cd-in-run, package-cache-not-cleaned', '# plain comment')}\n`);
    assert.deepEqual(result.findings.map((f) => f.ruleId), ['consecutive-run', 'cd-in-run']);
    assert.deepEqual(result.notices, [{ line: 1, message: 'berth-lint comment names unknown rule "no-such-rule"' }]);
  });

  it('applies a config: disabled rules do not run, severities change', () => {
    const config = parseLintConfig('disable: [consecutive-run]\nseverity:\n  package-cache-not-cleaned: error\n', 'inline');
    const result = lint(`${source.join('\n')}\n`, config);
    assert.deepEqual(result.findings.map((f) => [f.ruleId, f.severity]), [['package-cache-not-cleaned', 'error']]);
    assert.ok(!result.rules.some((r) => r.id === 'consecutive-run'));
    assert.equal(result.rules.find((r) => r.id === 'package-cache-not-cleaned')!.severity, 'error');
  });

  it('rejects a config with unknown rules, severities or keys, listing every problem', () => {
    assert.deepEqual(parseLintConfig('', 'empty'), { disable: [], severity: {} });
    assert.throws(
      () => parseLintConfig('disable: [nope]\nseverity: { user-root: fatal, bogus: error }\nextra: 1\n', 'bad.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof LintConfigError);
        assert.equal(err.problems.length, 4, err.message);
        assert.match(err.message, /disable\.0: unknown rule "nope"/);
        assert.match(err.message, /severity\.user-root/);
        assert.match(err.message, /unknown rule "bogus"/);
        assert.match(err.message, /extra/);
        return true;
      },
    );
    assert.throws(() => parseLintConfig('disable: [unclosed', 'broken.yaml'), /not YAML/);
  });
});
