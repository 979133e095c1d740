// ESLint for the frontend, after jupyterlab/extension-template's config: the
// recommended JS and typescript-eslint sets, @jupyter/eslint-plugin, and the
// JupyterLab house rules. Unlike the template it also lints the jest specs and
// the galata tests, with type information everywhere (no-floating-promises
// needs it: an un-awaited promise in a test or a handler is a real bug).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import prettierRecommended from 'eslint-plugin-prettier/recommended';
import globals from 'globals';
import jupyterPlugin from '@jupyter/eslint-plugin';
import { existsSync } from 'node:fs';

// Without galata's types every `page` is `any` and no-floating-promises would
// pass un-awaited calls in the galata tests silently: refuse instead.
if (
  !existsSync(`${import.meta.dirname}/ui-tests/node_modules/@jupyterlab/galata`)
) {
  console.error(
    'eslint: the galata tests are linted with their types; run `jlpm install` in ui-tests/ first'
  );
  process.exit(2);
}

export default defineConfig([
  {
    ignores: [
      'node_modules',
      '**/node_modules',
      'lib',
      'coverage',
      'bench',
      'jupyter_prod_ext',
      '**/*.js',
      '**/*.mjs',
      '**/*.d.ts',
      '.venv',
      '.venvs',
      'build',
      'dist',
      'ui-tests/test-results',
      'ui-tests/playwright-report'
    ]
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: {
      jupyter: jupyterPlugin
    }
  },
  jupyterPlugin.configs.recommended,
  // Before the house rules, not after as in the template: its prettier set
  // switches off `curly` and `prefer-arrow-callback`, which we want on.
  prettierRecommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      globals: {
        ...globals.browser,
        ...globals.es2015,
        ...globals.node
      },
      parserOptions: {
        // the test config includes src/__tests__; ui-tests has its own
        project: ['tsconfig.test.json', 'ui-tests/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
        sourceType: 'module'
      }
    },
    rules: {
      '@typescript-eslint/naming-convention': [
        'error',
        {
          selector: 'interface',
          format: ['PascalCase'],
          custom: {
            regex: '^I[A-Z]',
            match: true
          }
        }
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['warn', { args: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-use-before-define': 'off',
      // typescript-eslint 8 dropped its `quotes`; the core rule, with the
      // options eslint-config-prettier documents as compatible with prettier
      quotes: [
        'error',
        'single',
        { avoidEscape: true, allowTemplateLiterals: false }
      ],
      curly: ['error', 'all'],
      eqeqeq: 'error',
      'prefer-arrow-callback': 'error'
    }
  },
  {
    // Short functions named for their step (issue 16): a longer one says why
    // in its disable comment (`-- reason`). Tests and galata specs are exempt.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/__tests__/**'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, IIFEs: true }]
    }
  }
]);
