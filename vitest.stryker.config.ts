// The test set Stryker mutates against: every test but the end-to-end ones, which run the bundles
// in dist/ (not the mutated source) and so cannot kill a mutant, and the README's, which checks the
// figures that Stryker's own report feeds. Stryker is given this file instead
// of a `testFiles` list: with a list, Stryker 10's vitest runner activates mutants of module-level
// values (regular expressions, constants) only after the module has loaded, and reports them as
// surviving tests that kill them (stryker-js issues #6144, #6209).
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['**/node_modules/**', 'test/**/*e2e.test.ts', 'test/readme.test.ts'],
    },
  }),
);
