import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The `berth` executable tests run as a child process. `npm test` (scripts/run-tests.mjs) builds the bundle
 * first and points BERTH_TEST_BIN at bin/start.js, the entry `npm start` uses: the same source, without
 * compiling TypeScript at every start. A test file run on its own falls back to bin/berth.js (tsx).
 */
export const BERTH_BIN = process.env.BERTH_TEST_BIN ?? join(REPO_ROOT, 'bin/berth.js');
