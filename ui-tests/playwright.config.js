/**
 * Playwright configuration for the galata tests of jupyter-prod-ext.
 *
 * Chromium is Debian's (/usr/bin/chromium, override with CHROMIUM_PATH):
 * playwright's own browser download is not available on our machines.
 *
 * Two servers, each with a fresh git repository as its root (see
 * jupyter_server_test_config.py): the main one at the server root `/`, and
 * one under a JupyterHub-like base_url for the `base-url` project. The roots
 * are fixed paths so the tests (in the workers) know them: JP_PROD_UI_ROOT.
 */
const os = require('os');
const path = require('path');

const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

process.env.JP_PROD_UI_ROOT =
  process.env.JP_PROD_UI_ROOT || path.join(os.tmpdir(), 'jp-prod-ui-root');
const BASE_URL_ROOT = `${process.env.JP_PROD_UI_ROOT}-base-url`;
const BASE_URL_PATH = '/jhub/user/test/';

const server =
  'jupyter lab --config jupyter_server_test_config.py --allow-root';

module.exports = {
  ...baseConfig,
  timeout: 120 * 1000,
  expect: { timeout: 20 * 1000 },
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: 'list',
  use: {
    ...baseConfig.use,
    baseURL: 'http://127.0.0.1:8888',
    video: 'off',
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  projects: [
    {
      name: 'root',
      testIgnore: /base-url\.spec\.ts/
    },
    {
      name: 'base-url',
      testMatch: /base-url\.spec\.ts/,
      use: {
        // galata joins baseURL and appPath ('/lab'): no trailing slash here
        baseURL: `http://127.0.0.1:8889${BASE_URL_PATH.replace(/\/$/, '')}`
      }
    }
  ],
  webServer: [
    {
      command: server,
      url: 'http://127.0.0.1:8888/lab',
      timeout: 120 * 1000,
      reuseExistingServer: !process.env.CI,
      // SIGTERM, not SIGKILL: the server stops its mypy daemons at exit
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10000 },
      env: { JP_PROD_UI_ROOT: process.env.JP_PROD_UI_ROOT }
    },
    {
      command: server,
      url: `http://127.0.0.1:8889${BASE_URL_PATH}lab`,
      timeout: 120 * 1000,
      reuseExistingServer: !process.env.CI,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10000 },
      env: {
        JP_PROD_UI_ROOT: BASE_URL_ROOT,
        JP_PROD_UI_PORT: '8889',
        JP_PROD_UI_BASE_URL: BASE_URL_PATH
      }
    }
  ]
};
