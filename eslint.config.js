import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** node:test's test(), describe() and hooks return promises the runner itself awaits. */
const NODE_TEST = {
  from: 'package',
  package: 'node:test',
  name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
};

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'test-artifacts/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // Output goes through the injected out/err of each entry point, so nothing prints a secret by accident.
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: 'error',
      // esbuild cannot tree-shake zod classic, nor zod/mini's named `z` (a namespace object holding every locale): either
      // puts ~700 KB and ~45 ms of CPU into each CLI start, where `import * as z from 'zod/mini'` costs ~65 KB.
      'no-restricted-imports': [
        'error',
        {
          paths: ['zod', 'zod/v4'].map((name) => ({
            name,
            message: "use import * as z from 'zod/mini': zod classic is ~700 KB in every bundle",
          })),
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod/mini'] > ImportSpecifier[imported.name='z']",
          message: "use import * as z from 'zod/mini': the named z brings every locale into the bundle",
        },
      ],
    },
  },
  {
    // Rules that need the types: a promise nobody awaits or catches loses its error (an unhandled
    // rejection ends the agent), and a switch over a union must name every member.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [NODE_TEST] }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    // The pages compile against the DOM: their own tsconfig.
    files: ['renderer/**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: false,
        project: './tsconfig.renderer.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    // Size limits, so the next god class is caught as it starts. They count code lines as the
    // formatter (Biome, 120 columns) lays them out, comments and blank lines aside: a limit on
    // lines a person packs would only teach packing. A file split to stay under it is worse than
    // a long file that is one job: such a file says why at its top and disables the rule there.
    files: ['common/**/*.ts', 'helper/**/*.ts', 'main/**/*.ts', 'preload/**/*.ts', 'renderer/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }],
      complexity: ['error', 20],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    files: ['test/**', 'build/**'],
    rules: { 'no-console': 'off' },
  },
);
