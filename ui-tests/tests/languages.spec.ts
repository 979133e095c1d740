import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import { PANEL } from './helpers';

/**
 * A notebook in another language (here R, a kernel this server does not have)
 * is one the checks do not apply to, not a broken one: the Readiness panel
 * says so as a note, and no error notification pops up on opening or editing
 * it. A sweep of public notebooks (R, Julia, bash, IDL kernels) found one red
 * toast per notebook opened.
 */

const NOTEBOOKS = path.resolve(__dirname, '..', 'languages');
const NOT_PYTHON = /not a Python notebook \(its language is 'r'\)/;

test('an R notebook gets a note in the panel and no error notification', async ({
  page,
  tmpPath
}) => {
  await page.contents.uploadDirectory(NOTEBOOKS, tmpPath);
  await page.filebrowser.openDirectory(tmpPath);
  await page.filebrowser.open('rainfall_r.ipynb');
  // no R kernel here: JupyterLab asks for one; a person answers No Kernel
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'No Kernel' }).click();
  await expect(dialog).toHaveCount(0);
  // the kernel status stays "No Kernel | Initializing": open the panel from its sidebar tab
  await page.sidebar.openTab('jupyter-prod:panel');

  const panel = page.locator(PANEL);
  await expect(panel.locator('.jp-ProdPanel-notPython')).toHaveText(NOT_PYTHON);
  await expect(panel.locator('.jp-ProdPanel-error')).toHaveCount(0);
  // it says why there is no score, with no severity filter of zero findings
  await expect(panel.locator('.jp-ProdPanel-status')).toHaveText(
    'Not a Python notebook'
  );
  await expect(panel.locator('.jp-ProdPanel-filter')).toHaveCount(0);

  // a notification would show as the answer came
  const toasts = page.locator('.Toastify__toast', {
    hasText: 'not a Python notebook'
  });
  await page.waitForTimeout(1000);
  // counted now: toHaveCount(0) would wait for the toast to close by itself
  expect(await toasts.count()).toBe(0);

  // an edit is checked again: still a note, still no notification
  const checked = page.waitForResponse(
    r =>
      r.url().includes('/jupyter-prod/check') && r.request().method() === 'POST'
  );
  await page.notebook.enterCellEditingMode(1);
  await page.keyboard.press('End');
  await page.keyboard.type(' # mm');
  expect((await checked).status()).toBe(422);
  await page.waitForTimeout(1000);
  await expect(panel.locator('.jp-ProdPanel-notPython')).toHaveText(NOT_PYTHON);
  expect(await toasts.count()).toBe(0);
});
