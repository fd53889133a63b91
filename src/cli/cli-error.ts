import { isBerthError } from '../errors/berth-error.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

/** A failure the CLI reports as one line on stderr and an exit code; the message never holds a secret. */
export class CliError extends Error {
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** The message and exit code for anything a command threw: user input that failed validation is bad usage. */
export function describeFailure(err: unknown): { message: string; exitCode: ExitCode } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  if (isBerthError(err)) return { message: err.message, exitCode: EXIT.CONFIG };
  return { message: `unexpected error: ${(err as Error)?.message ?? String(err)}`, exitCode: EXIT.FAILURE };
}
