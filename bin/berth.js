#!/usr/bin/env node
// Runs the TypeScript CLI from a checkout: tsx compiles on load, so there is no build step to forget.
// (`npm start` runs the bundled dist/berth.mjs instead; see scripts/build.mjs.)
import { applyRuntimeDefaults } from './runtime-defaults.js';

applyRuntimeDefaults();
const { register } = await import('tsx/esm/api');
register();
await import('../src/cli/berth.ts');
