#!/usr/bin/env node
// `npm start`: runs the bundle scripts/build.mjs made (the same CLI as bin/berth.js, without compiling on load).
import { applyRuntimeDefaults } from './runtime-defaults.js';

applyRuntimeDefaults();
await import('../dist/berth.mjs');
