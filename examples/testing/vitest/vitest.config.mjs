// The examples' own vitest config, so that they run apart from this repository's suite.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['*.test.mjs'] } });
