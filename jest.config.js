const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

// ES-module-only dependencies that jest must transpile.
const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@microsoft/fast',
  '@jupyterlab/',
  'exenv-es6',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  collectCoverageFrom: [
    'src/**/*.{ts,tsx}',
    '!src/**/*.d.ts',
    '!src/**/.ipynb_checkpoints/*'
  ],
  coverageReporters: ['lcov', 'text-summary'],
  // no junit.xml in the work tree (the base config adds jest-junit)
  reporters: ['default'],
  testRegex: 'src/.*/.*.spec.ts[x]?$',
  // the per-version test venvs (scripts/test-pythons.sh) and the built wheel hold no tests
  modulePathIgnorePatterns: ['<rootDir>/\\.venvs/', '<rootDir>/build/'],
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
