/** Package manager invocations in shell commands: which manager, what action, which packages and options. */
import type { SimpleCommand } from './shell-commands.ts';

export type PackageManager = 'apt' | 'apk' | 'yum' | 'pip' | 'npm' | 'yarn';

export interface PackageCommand {
  manager: PackageManager;
  /** The program as called: apt-get, apt, dnf, pip3, ... */
  tool: string;
  /** The subcommand: install, update, add, del, clean, cache, ... ('' when there is none). */
  action: string;
  /** Operands after the action, version pins kept (`curl=7.88.1-10`). */
  operands: string[];
  /** Options, a value joined with '=' (`-o=APT::Install-Recommends=false`, `--virtual=.build-deps`). */
  options: string[];
  command: SimpleCommand;
}

interface ManagerSyntax {
  manager: PackageManager;
  tool: RegExp;
  /** Options whose value is the next word. */
  valueOptions: Set<string>;
}

const SYNTAXES: ManagerSyntax[] = [
  { manager: 'apt', tool: /^(apt-get|apt|aptitude)$/, valueOptions: new Set(['-o', '--option', '-t', '--target-release', '-c', '--config-file']) },
  { manager: 'apk', tool: /^apk$/, valueOptions: new Set(['-X', '--repository', '-t', '--virtual', '-p', '--root', '--arch', '--keys-dir', '--cache-dir']) },
  { manager: 'yum', tool: /^(yum|dnf|microdnf|tdnf|dnf5)$/, valueOptions: new Set(['-c', '--config', '--releasever', '--installroot', '--enablerepo', '--disablerepo']) },
  {
    manager: 'pip',
    tool: /^pip(\d+(\.\d+)?)?$/,
    valueOptions: new Set(['-r', '--requirement', '-c', '--constraint', '-i', '--index-url', '--extra-index-url', '-t', '--target', '-f', '--find-links', '--prefix', '--root']),
  },
  { manager: 'npm', tool: /^npm$/, valueOptions: new Set(['--prefix', '-w', '--workspace', '--registry', '--cache']) },
  { manager: 'yarn', tool: /^yarn$/, valueOptions: new Set(['--cwd', '--cache-folder', '--registry']) },
];

function programWords(command: SimpleCommand): string[] {
  const program = command.program.map((w, i) => (i === 0 ? w.replace(/^.*\//, '') : w));
  // `python3 -m pip install ...` is pip.
  if (/^python[\d.]*$/.test(program[0] ?? '') && program[1] === '-m' && /^pip\d*$/.test(program[2] ?? '')) return program.slice(2);
  return program;
}

export function parsePackageCommand(command: SimpleCommand): PackageCommand | undefined {
  const words = programWords(command);
  const tool = words[0] ?? '';
  const syntax = SYNTAXES.find((s) => s.tool.test(tool));
  if (!syntax) return undefined;
  const options: string[] = [];
  const positional: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-') || word === '-') positional.push(word);
    else if (syntax.valueOptions.has(word) && words[i + 1] !== undefined) options.push(`${word}=${words[++i]}`);
    else options.push(word);
  }
  const [action = '', ...operands] = positional;
  return { manager: syntax.manager, tool, action, operands, options, command };
}

export function packageCommands(commands: readonly SimpleCommand[]): PackageCommand[] {
  return commands.flatMap((c) => parsePackageCommand(c) ?? []);
}

const INSTALL_ACTIONS: Record<PackageManager, Set<string>> = {
  apt: new Set(['install', 'upgrade', 'dist-upgrade', 'full-upgrade', 'build-dep']),
  apk: new Set(['add', 'upgrade']),
  yum: new Set(['install', 'update', 'upgrade', 'groupinstall', 'reinstall']),
  pip: new Set(['install']),
  npm: new Set(['install', 'i', 'ci', 'add', 'update']),
  yarn: new Set(['', 'install', 'add']),
};

/** Whether the command downloads and installs packages (and so fills the manager's cache). */
export function isInstall(cmd: PackageCommand): boolean {
  return INSTALL_ACTIONS[cmd.manager].has(cmd.action);
}

/** `curl=7.88.1-10`, `make>=4.3`, `gcc~12` -> the bare package name. */
export function packageName(operand: string): string {
  return operand.replace(/[=<>~].*$/, '');
}
