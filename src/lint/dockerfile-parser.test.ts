import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findStage, parseDockerfile } from './dockerfile-parser.ts';
import type { CopyInstruction, EnvInstruction, FromInstruction, Instruction, OnbuildInstruction, RunInstruction, ValueInstruction } from './dockerfile.types.ts';

function parse(lines: string[], opts = {}) {
  return parseDockerfile(`${lines.join('\n')}\n`, opts);
}

type Match<I, K> = I extends { keyword: infer W } ? (K extends W ? I : never) : never;

function only<K extends Instruction['keyword']>(instructions: Instruction[], keyword: K): Match<Instruction, K>[] {
  return instructions.filter((i) => i.keyword === keyword) as Match<Instruction, K>[];
}

describe('dockerfile parser: directives, comments and continuations', () => {
  it('reads # syntax and # escape=` and continues lines with backticks', () => {
    const d = parse([
      '# syntax=docker/dockerfile:1.7',
      '#  ESCAPE = `',
      'FROM mcr.microsoft.com/windows/servercore:ltsc2022',
      'RUN dir c:\\ `',
      '    && echo done',
      'WORKDIR C:\\app',
    ]);
    assert.deepEqual(d.errors, []);
    assert.deepEqual(d.directives.map((x) => [x.name, x.value, x.line]), [['syntax', 'docker/dockerfile:1.7', 1], ['escape', '`', 2]]);
    assert.equal(d.escapeChar, '`');
    const [run] = only(d.instructions, 'RUN');
    assert.deepEqual(run!.command, { form: 'shell', text: 'dir c:\\     && echo done' });
    assert.deepEqual(run!.range, { start: 4, end: 5 });
    // With ` as the escape, a backslash is an ordinary character, so Windows paths survive expansion.
    assert.equal(only(d.instructions, 'WORKDIR')[0]!.value, 'C:\\app');
  });

  it('stops looking for directives after the first comment, blank line or instruction', () => {
    const d = parse(['# a comment', '# escape=`', 'FROM alpine:3.20', 'RUN echo a \\', '  b']);
    assert.deepEqual(d.directives, []);
    assert.equal(d.escapeChar, '\\');
    assert.equal(only(d.instructions, 'RUN')[0]!.range.end, 5);
    assert.deepEqual(d.comments.map((c) => c.line), [1, 2]);
  });

  it('reports a duplicate directive and an invalid escape token with their lines', () => {
    const d = parse(['# escape=x', '# escape=`', 'FROM alpine:3.20']);
    assert.deepEqual(d.errors.map((e) => e.range.start).sort(), [1, 2]);
    assert.match(d.errors.map((e) => e.message).join('\n'), /invalid escape token 'x'/);
    assert.match(d.errors.map((e) => e.message).join('\n'), /only one escape parser directive/);
  });

  it('skips comment and blank lines inside a continuation, keeping the whole line range', () => {
    const d = parse([
      'FROM debian:12-slim',
      'RUN apt-get update \\',
      '    # refresh first',
      '',
      '    && apt-get install -y curl \\',
      '  # trailing comment',
      '    && rm -rf /var/lib/apt/lists/*',
      'USER 1000',
    ]);
    assert.deepEqual(d.errors, []);
    const [run] = only(d.instructions, 'RUN');
    assert.equal(run!.command.form, 'shell');
    assert.equal((run!.command as { text: string }).text, 'apt-get update     && apt-get install -y curl     && rm -rf /var/lib/apt/lists/*');
    assert.deepEqual(run!.range, { start: 2, end: 7 });
    assert.deepEqual(only(d.instructions, 'USER')[0]!.range, { start: 8, end: 8 });
    assert.deepEqual(d.comments.map((c) => [c.line, c.text]), [[3, 'refresh first'], [6, 'trailing comment']]);
  });

  it('attaches the comment lines directly above an instruction to it, not across a blank line', () => {
    const d = parse(['FROM alpine:3.20', '# far', '', '# near', '# nearer', 'RUN true']);
    assert.deepEqual(only(d.instructions, 'RUN')[0]!.comments.map((c) => c.text), ['near', 'nearer']);
  });

  it('takes a JSON array as exec form and anything else (even broken JSON) as shell form', () => {
    const d = parse(['FROM alpine:3.20', 'CMD ["nginx", "-g", "daemon off;"]', 'ENTRYPOINT [nginx, -g]', "RUN ['single', 'quotes']"]);
    assert.deepEqual(only(d.instructions, 'CMD')[0]!.command, { form: 'exec', args: ['nginx', '-g', 'daemon off;'] });
    assert.deepEqual(only(d.instructions, 'ENTRYPOINT')[0]!.command, { form: 'shell', text: '[nginx, -g]' });
    assert.equal(only(d.instructions, 'RUN')[0]!.command.form, 'shell');
  });
});

describe('dockerfile parser: heredocs', () => {
  it('reads a RUN heredoc script and the lines after it as the next instruction', () => {
    const d = parse(['FROM alpine:3.20', 'RUN <<EOF', 'set -e', 'apk add --no-cache curl', 'EOF', 'USER 1000']);
    assert.deepEqual(d.errors, []);
    const [run] = only(d.instructions, 'RUN');
    assert.deepEqual(run!.range, { start: 2, end: 5 });
    assert.equal(run!.heredocs.length, 1);
    assert.deepEqual({ ...run!.heredocs[0] }, { name: 'EOF', content: 'set -e\napk add --no-cache curl\n', isExpanded: true, isChomped: false, fileDescriptor: undefined, range: { start: 3, end: 5 } });
    assert.equal(only(d.instructions, 'USER')[0]!.range.start, 6);
  });

  it('reads several heredocs in order, strips tabs for <<-, and marks a quoted word as literal', () => {
    const d = parse(['FROM alpine:3.20', 'RUN <<-"FIRST" 3<<SECOND cat /dev/fd/3', '\techo $HOME', '\tFIRST', 'line two', 'SECOND']);
    assert.deepEqual(d.errors, []);
    const [run] = only(d.instructions, 'RUN');
    assert.deepEqual(run!.heredocs.map((h) => [h.name, h.content, h.isChomped, h.isExpanded, h.fileDescriptor, h.range.start, h.range.end]), [
      ['FIRST', 'echo $HOME\n', true, false, undefined, 3, 4],
      ['SECOND', 'line two\n', false, true, 3, 5, 6],
    ]);
    assert.deepEqual(run!.range, { start: 2, end: 6 });
  });

  it('reads COPY <<EOF /path as a file with no other source', () => {
    const d = parse(['FROM alpine:3.20', 'COPY --chmod=755 <<EOF /usr/local/bin/hello', '#!/bin/sh', 'echo hello', 'EOF']);
    assert.deepEqual(d.errors, []);
    const [copy] = only(d.instructions, 'COPY') as CopyInstruction[];
    assert.deepEqual(copy!.sources, []);
    assert.equal(copy!.destination, '/usr/local/bin/hello');
    assert.equal(copy!.heredocs[0]!.content, '#!/bin/sh\necho hello\n');
    // A "#" line inside a heredoc body is content, not a comment.
    assert.deepEqual(d.comments, []);
  });

  it('does not look for heredocs in exec form or in other instructions', () => {
    const d = parse(['FROM alpine:3.20', 'RUN ["cat", "<<EOF"]', 'LABEL note="<<EOF"', 'USER 1000']);
    assert.deepEqual(d.errors, []);
    assert.deepEqual(d.instructions.map((i) => i.range.start), [1, 2, 3, 4]);
  });

  it('reports an unterminated heredoc with the line it starts on', () => {
    const d = parse(['FROM alpine:3.20', 'RUN <<EOF', 'echo never closed']);
    assert.equal(d.errors.length, 1);
    assert.match(d.errors[0]!.message, /unterminated heredoc <<EOF/);
    assert.equal(d.errors[0]!.range.start, 2);
  });

  it('reads heredocs of an ONBUILD trigger', () => {
    const d = parse(['FROM alpine:3.20', 'ONBUILD RUN <<EOF', 'echo $LATER', 'EOF']);
    assert.deepEqual(d.errors, []);
    const [onbuild] = only(d.instructions, 'ONBUILD') as OnbuildInstruction[];
    const trigger = onbuild!.trigger as RunInstruction;
    assert.equal(trigger.keyword, 'RUN');
    assert.equal(trigger.heredocs[0]!.content, 'echo $LATER\n');
    assert.deepEqual(onbuild!.range, { start: 2, end: 4 });
  });
});

describe('dockerfile parser: flags, stages and ARG scope', () => {
  it('extracts --platform, --from, --chown, --mount and rejects unknown flags', () => {
    const d = parse([
      'ARG BUILDPLATFORM=linux/amd64',
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS Build',
      'RUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .',
      'FROM alpine:3.20',
      'COPY --from=build --chown=app:app /app /app',
      'USER --bogus app',
    ]);
    const [build, final] = only(d.instructions, 'FROM') as FromInstruction[];
    assert.equal(build!.platform, 'linux/amd64');
    assert.equal(build!.alias, 'build');
    assert.equal(final!.alias, undefined);
    assert.deepEqual(only(d.instructions, 'RUN')[0]!.flags, [{ name: 'mount', value: 'type=cache,target=/root/.cache/go-build' }]);
    assert.deepEqual(only(d.instructions, 'COPY')[0]!.flags, [{ name: 'from', value: 'build' }, { name: 'chown', value: 'app:app' }]);
    assert.deepEqual(d.errors.map((e) => [e.message, e.range.start]), [['unknown flag --bogus for USER', 6]]);
  });

  it('uses global ARGs in FROM only; a stage sees one after declaring it again, with the global default', () => {
    const d = parse([
      'ARG VERSION=3.20',
      'ARG REGISTRY',
      'FROM ${REGISTRY:-docker.io}/library/alpine:${VERSION}',
      'WORKDIR /v${VERSION}',
      'ARG VERSION',
      'WORKDIR /v${VERSION}',
      'ARG VERSION=override',
      'LABEL version=$VERSION',
    ]);
    assert.deepEqual(d.errors, []);
    assert.equal(d.globalArgs.length, 2);
    const [from] = only(d.instructions, 'FROM') as FromInstruction[];
    assert.equal(from!.imageExpanded, 'docker.io/library/alpine:3.20');
    assert.deepEqual(from!.unresolvedVars, []);
    assert.deepEqual(only(d.instructions, 'WORKDIR').map((w) => (w as ValueInstruction).value), ['/v', '/v3.20']);
    assert.deepEqual((only(d.instructions, 'LABEL')[0] as EnvInstruction).pairs, [{ key: 'version', value: 'override' }]);
  });

  it('lets --build-arg values replace ARG defaults, and records variables left unresolved in FROM', () => {
    const d = parse(['ARG TAG=3.19', 'ARG BASE', 'FROM alpine:$TAG', 'FROM $BASE'], { buildArgs: { TAG: '3.20' } });
    const [first, second] = only(d.instructions, 'FROM') as FromInstruction[];
    assert.equal(first!.imageExpanded, 'alpine:3.20');
    assert.deepEqual(second!.unresolvedVars, ['BASE']);
  });

  it('gives ENV precedence over ARG, expands ENV pairs against the values before the instruction, and inherits ENV (not ARG) from a parent stage', () => {
    const d = parse([
      'FROM alpine:3.20 AS base',
      'ARG MODE=arg',
      'ENV MODE=env',
      'ARG MODE=arg-again',
      'ENV A=1 B=${A:-unset} C="two words"',
      'ENV LEGACY value with spaces',
      'FROM base AS child',
      'WORKDIR /${MODE}/${A}/${B}/[${LEGACY}]',
    ]);
    assert.deepEqual(d.errors, []);
    const envs = only(d.instructions, 'ENV') as EnvInstruction[];
    assert.deepEqual(envs[1]!.pairs, [{ key: 'A', value: '1' }, { key: 'B', value: 'unset' }, { key: 'C', value: 'two words' }]);
    assert.deepEqual(envs[2]!.pairs, [{ key: 'LEGACY', value: 'value with spaces' }]);
    assert.equal((only(d.instructions, 'WORKDIR')[0] as ValueInstruction).value, '/env/1/unset/[value with spaces]');
    assert.equal(d.stages[1]!.baseStageIndex, 0);
  });

  it('expands ${VAR:-x}, ${VAR-x}, ${VAR:+x}, # and % trims, / replacement, and leaves single quotes, escapes and RUN alone', () => {
    const d = parse([
      'FROM alpine:3.20',
      'ENV EMPTY= FILE=archive.tar.gz',
      "LABEL a=${EMPTY:-d} b=${EMPTY-d} c=${FILE:+set} d=${FILE%.*} e=${FILE%%.*} f=${FILE#*.} g=${FILE/tar/zip} h='$FILE' i=\\$FILE j=\"x $FILE\"",
      'RUN echo $FILE',
    ]);
    assert.deepEqual(d.errors, []);
    const pairs = Object.fromEntries((only(d.instructions, 'LABEL')[0] as EnvInstruction).pairs.map((p) => [p.key, p.value]));
    assert.deepEqual(pairs, { a: 'd', b: '', c: 'set', d: 'archive.tar', e: 'archive', f: 'tar.gz', g: 'archive.zip.gz', h: '$FILE', i: '$FILE', j: 'x archive.tar.gz' });
    assert.deepEqual(only(d.instructions, 'RUN')[0]!.command, { form: 'shell', text: 'echo $FILE' });
  });

  it('reports ${VAR:?message} on an unset variable as an error on its line', () => {
    const d = parse(['FROM alpine:3.20', 'WORKDIR ${APP_DIR:?set APP_DIR}']);
    assert.deepEqual(d.errors.map((e) => [e.message, e.range.start]), [['APP_DIR: set APP_DIR', 2]]);
  });

  it('tracks stages, their ranges and references by name or index', () => {
    const d = parse(['FROM golang:1.22 AS build', 'RUN go build', '', 'FROM build AS test', 'RUN go test', 'FROM scratch', 'COPY --from=0 /app /app']);
    assert.deepEqual(d.stages.map((s) => [s.index, s.name, s.baseStageIndex, s.range.start, s.range.end, s.instructions.length]), [
      [0, 'build', undefined, 1, 2, 1],
      [1, 'test', 0, 4, 5, 1],
      [2, undefined, undefined, 6, 7, 1],
    ]);
    assert.equal(findStage(d, 'BUILD', 2)?.index, 0);
    assert.equal(findStage(d, '1', 2)?.index, 1);
    assert.equal(findStage(d, 'test', 1), undefined);
  });

  it('keeps ONBUILD triggers unexpanded, since they run in a later build', () => {
    const d = parse(['FROM alpine:3.20', 'ENV DIR=/now', 'ONBUILD WORKDIR ${DIR}/later', 'ONBUILD COPY --chown=app . /src']);
    assert.deepEqual(d.errors, []);
    const [workdir, copy] = (only(d.instructions, 'ONBUILD') as OnbuildInstruction[]).map((o) => o.trigger!);
    assert.equal((workdir as ValueInstruction).value, '${DIR}/later');
    assert.deepEqual(copy!.flags, [{ name: 'chown', value: 'app' }]);
  });
});

describe('dockerfile parser: errors never throw', () => {
  it('reports unknown instructions, instructions before FROM, bad FROM and duplicate stage names with line numbers', () => {
    const d = parse(['RUN echo too early', 'FROM alpine:3.20 AS one', 'FORM typo', 'FROM alpine:3.20 one two', 'FROM alpine:3.20 AS one', 'ONBUILD FROM x', 'SHELL /bin/bash -c']);
    assert.deepEqual(d.errors.map((e) => e.range.start), [1, 3, 4, 5, 6, 7]);
    assert.match(d.errors[0]!.message, /RUN before the first FROM/);
    assert.match(d.errors[1]!.message, /unknown instruction: FORM/);
    assert.match(d.errors[2]!.message, /FROM requires either one or three arguments/);
    assert.match(d.errors[3]!.message, /duplicate stage name "one"/);
    assert.match(d.errors[4]!.message, /FROM is not allowed as an ONBUILD trigger/);
    assert.match(d.errors[5]!.message, /SHELL requires the arguments to be in JSON form/);
  });

  it('reports an empty file and a file without FROM', () => {
    assert.match(parseDockerfile('').errors[0]!.message, /no instructions/);
    assert.match(parseDockerfile('# only a comment\n\n').errors[0]!.message, /no instructions/);
    assert.match(parseDockerfile('ARG A=1\n').errors[0]!.message, /no FROM/);
  });

  it('survives arbitrary bytes and unbalanced quotes', () => {
    const d = parseDockerfile('FROM alpine:3.20\nENV A="unterminated\nLABEL ${\nRUN \u0000\u00ff "\n\\');
    assert.ok(d.errors.length >= 2);
    assert.ok(d.errors.every((e) => e.range.start >= 1 && e.range.end <= 5));
  });
});
