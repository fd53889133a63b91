import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePackageCommand } from './package-commands.ts';
import { parseShellCommands } from './shell-commands.ts';

describe('shell commands of a RUN', () => {
  it('splits on operators and newlines, drops assignments, redirections and comments, removes quotes', () => {
    const commands = parseShellCommands('set -eux; DEBIAN_FRONTEND=noninteractive apt-get install -y "curl" \'git\' > /dev/null 2>&1 \\\n && echo "a b" # note\nls|wc -l');
    assert.deepEqual(commands.map((c) => c.argv), [['set', '-eux'], ['apt-get', 'install', '-y', 'curl', 'git'], ['echo', 'a b'], ['ls'], ['wc', '-l']]);
    assert.deepEqual(commands.slice(3).map((c) => [c.pipeline, c.pipeIndex]), [[3, 0], [3, 1]]);
  });

  it('sees through sudo, env and friends, and into sh -c scripts', () => {
    const [sudo, env, sh, ...inner] = parseShellCommands('sudo -u app -E make install; env -i PATH=/bin curl -fsSL x; sh -c "cd /src && make"');
    assert.deepEqual([sudo!.program, sudo!.isSudo], [['make', 'install'], true]);
    assert.deepEqual(env!.program, ['curl', '-fsSL', 'x']);
    assert.equal(sh!.program[0], 'sh');
    assert.deepEqual(inner.map((c) => c.program), [['cd', '/src'], ['make']]);
  });

  it('strips if/then/fi and braces but keeps $(...) as one word', () => {
    const commands = parseShellCommands('if [ -f x ]; then { rm -rf "$(dirname x)"; }; fi');
    assert.deepEqual(commands.map((c) => c.program), [['[', '-f', 'x', ']'], ['rm', '-rf', '$(dirname x)']]);
  });
});

describe('package commands', () => {
  const pkg = (script: string) => parsePackageCommand(parseShellCommands(script)[0]!);

  it('reads apt, apk, dnf, pip (also python -m pip), npm and yarn with their options', () => {
    const { manager, tool, action, operands, options } = pkg('apt-get -o APT::Install-Recommends=false install -y curl=7.88.1-10')!;
    assert.deepEqual({ manager, tool, action, operands, options }, {
      manager: 'apt', tool: 'apt-get', action: 'install', operands: ['curl=7.88.1-10'], options: ['-o=APT::Install-Recommends=false', '-y'],
    });
    assert.deepEqual(pkg('apk add --virtual .build-deps gcc')!.options, ['--virtual=.build-deps']);
    assert.equal(pkg('/usr/bin/microdnf install -y tar')!.manager, 'yum');
    assert.deepEqual([pkg('python3 -m pip install -r requirements.txt flask')!.manager, pkg('python3 -m pip install -r requirements.txt flask')!.operands], ['pip', ['flask']]);
    assert.deepEqual([pkg('npm cache clean --force')!.action, pkg('npm cache clean --force')!.operands], ['cache', ['clean']]);
    assert.equal(pkg('yarn')!.action, '');
    assert.equal(pkg('make install'), undefined);
  });
});
