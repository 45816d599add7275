// ESLint flat config: typescript-eslint's type-checked rule sets over src/, test/ and scripts/.
//
// TypeScript 7 (the native compiler that `npm run build` and `npm run typecheck` use) has no
// JavaScript API, and typescript-eslint needs one. package.json therefore installs both, side by
// side, the way the TypeScript team recommends: `@typescript/native` is `typescript@7` (it owns the
// `tsc` binary), and the name `typescript` is `@typescript/typescript6` (the TypeScript 6 API, with
// a `tsc6` binary). typescript-eslint resolves `typescript` by name, so it gets the 6.0 API without
// any configuration here. Type information comes from tsconfig.test.json, which covers src/, test/,
// scripts/ and vitest.config.ts with the same compiler options as the build.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const typeChecked = {
  languageOptions: {
    parserOptions: {
      project: ['./tsconfig.test.json'],
      tsconfigRootDir: import.meta.dirname,
    },
  },
};

export default defineConfig(
  {
    ignores: ['dist/', 'lib/', 'coverage/', 'reports/', '.stryker-tmp/', '.stryker-tmp-core/', 'node_modules/'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  // Plain JavaScript (this file): ESLint's recommended rules, no type information.
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [js.configs.recommended],
  },

  // The action itself: the strictest sets typescript-eslint ships.
  {
    files: ['src/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.strictTypeChecked, tseslint.configs.stylisticTypeChecked],
    ...typeChecked,
    rules: {
      // Numbers (status codes, seconds, counts) belong in messages; everything else the strict set
      // forbids in a template (objects, nullish, any, booleans, RegExp) stays forbidden.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowAny: false, allowBoolean: false, allowNever: false, allowNullish: false, allowNumber: true, allowRegExp: false },
      ],
    },
  },

  // Tests, their stand-ins and the dev scripts: the recommended type-checked set plus the stylistic
  // one, so they read like src/. Not the strict set: a test that has just asserted a value exists
  // may use `!` (no-non-null-assertion) rather than repeat the check. One relaxation:
  // - require-await: fakes injected in place of async dependencies (`sleep: async (ms) => {
  //   sleeps.push(ms); }`, loopback handlers) are `async` to match the signature they stand in
  //   for, even when a particular one has nothing to await.
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', 'vitest.config.ts', 'vitest.stryker.config.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked, tseslint.configs.stylisticTypeChecked],
    ...typeChecked,
    rules: {
      '@typescript-eslint/require-await': 'off',
    },
  },

  // Three rule options tuned to this codebase's deliberate conventions (everywhere, src/ included):
  // - dot-notation: values behind an index signature (`process.env`, `Record<string, unknown>`,
  //   parsed JSON, claims) are read with brackets, `env['GITHUB_REPOSITORY']`, so a reader sees the
  //   key may be absent; declared properties use dots. (With `noPropertyAccessFromIndexSignature`
  //   in tsconfig.json the compiler would enforce the same split.)
  // - no-unused-vars: `const { key: _, ...rest } = value` is how a test drops a key, and a leading
  //   underscore marks a parameter an interface makes us accept, as the compiler's
  //   noUnusedLocals/noUnusedParameters already allow.
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/dot-notation': ['error', { allowIndexSignaturePropertyAccess: true }],
      // `T[]` for simple element types, `Array<[string, string]>` where the element is itself
      // complex: both read better than the alternative.
      '@typescript-eslint/array-type': ['error', { default: 'array-simple', readonly: 'array-simple' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
);
