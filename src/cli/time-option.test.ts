import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from './cli-error.ts';
import { parseDurationMs, parseTimeOption } from './time-option.ts';

const NOW = Date.parse('2025-06-15T12:00:00.000Z');

describe('time options', () => {
  it('parses durations in every unit', () => {
    assert.equal(parseDurationMs('90s'), 90_000);
    assert.equal(parseDurationMs('15m'), 900_000);
    assert.equal(parseDurationMs('24h'), 86_400_000);
    assert.equal(parseDurationMs('30d'), 30 * 86_400_000);
    assert.equal(parseDurationMs('2w'), 14 * 86_400_000);
    assert.equal(parseDurationMs('5y'), undefined);
    assert.equal(parseDurationMs('d'), undefined);
  });

  it('counts durations back for --from and forward for --expires', () => {
    assert.equal(parseTimeOption('24h', '--from', 'past', NOW), '2025-06-14T12:00:00.000Z');
    assert.equal(parseTimeOption('30d', '--expires', 'future', NOW), '2025-07-15T12:00:00.000Z');
  });

  it('takes ISO dates and date-times, normalized to UTC', () => {
    assert.equal(parseTimeOption('2026-01-01', '--expires', 'future', NOW), '2026-01-01T00:00:00.000Z');
    assert.equal(parseTimeOption('2026-01-01T10:00:00+02:00', '--to', 'past', NOW), '2026-01-01T08:00:00.000Z');
  });

  it('refuses anything else as bad usage, naming the option', () => {
    for (const bad of ['tomorrow', '2026-13-45', '1e9', '', '30 days']) {
      assert.throws(() => parseTimeOption(bad, '--from', 'past', NOW), (err: unknown) => err instanceof CliError && err.exitCode === 2 && err.message.includes('--from'));
    }
  });
});
