import { expect, test } from '@jupyterlab/galata';
import { openNotebook, openPanel, runFromPalette } from './helpers';

/**
 * Smoke test under a JupyterHub-like base_url (`/jhub/user/test/`, the
 * `base-url` project of playwright.config.js): every request of the
 * extension must go through the server's base URL.
 */

// galata's temporary folder is created through `/api/contents` at the origin
// (not under the base URL): work in smoke/, where the server config copied
// the test notebooks
test.use({ tmpPath: 'smoke' });

test('shows the findings of a notebook under a base_url', async ({ page }) => {
  expect(page.url()).toContain('/jhub/user/test/lab');
  const requests: string[] = [];
  page.on('request', request => {
    if (request.url().includes('jupyter-prod/')) {
      requests.push(request.url());
    }
  });
  // the server config copied the test notebooks to its root
  await openNotebook(page, 'smoke/readiness.ipynb');
  const panel = await openPanel(page);
  await expect(
    panel.locator('.jp-ProdPanel-finding[data-check="undefined-name"]')
  ).toHaveCount(1);
  await expect(panel.locator('.jp-ProdPanel-scoreValue')).toHaveText(/^\d+$/);
  // the commit section reads the git status through the base URL too
  await runFromPalette(page, 'Commit Notebook and Modules…');
  await expect(panel.locator('.jp-ProdCommit-branch')).toContainText(
    'On branch main'
  );
  expect(requests.length).toBeGreaterThan(0);
  for (const url of requests) {
    expect(url).toContain('/jhub/user/test/jupyter-prod/');
  }
  await expect(
    page.locator('.Toastify__toast', { hasText: 'jupyter_prod_ext' })
  ).toHaveCount(0);
});
