import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

/**
 * A percent script (jupytext) opened as a notebook, the way a person does it:
 * right-click in the file browser, Open With > Jupytext Notebook. The Readiness
 * panel then works on it as on an .ipynb.
 */

const PANEL = '[id="jupyter-prod:panel"]';
const SCRIPTS = path.resolve(__dirname, '..', 'jupytext');

test.beforeEach(async ({ page, tmpPath }) => {
  await page.contents.uploadDirectory(SCRIPTS, tmpPath);
  await page.filebrowser.openDirectory(tmpPath);
});

test('the readiness panel works on a percent script opened as a notebook', async ({
  page
}) => {
  await page
    .locator('.jp-DirListing-item', { hasText: 'analysis.py' })
    .click({ button: 'right' });
  await page.locator('.lm-Menu-itemLabel', { hasText: /^Open With$/ }).hover();
  await page
    .locator('.lm-Menu-itemLabel', { hasText: /^Jupytext Notebook$/ })
    .click();
  await expect(page.locator('.jp-NotebookPanel .jp-Cell')).toHaveCount(3);

  // its badge is already on the cell; the panel is the sidebar tab
  await expect(page.locator('.jp-ProdCellBadge')).not.toHaveCount(0);
  await page.sidebar.openTab('jupyter-prod:panel');
  const panel = page.locator(PANEL);
  await expect(panel).toBeVisible();

  const undefinedName = panel.locator(
    '.jp-ProdPanel-finding[data-check="undefined-name"]'
  );
  await expect(undefinedName).toHaveCount(1);
  await expect(undefinedName).toContainText('missing_offset');

  // the finding leads to its cell of the script: the third cell
  await undefinedName.locator('.jp-ProdPanel-findingMain').click();
  await expect(page.locator('.jp-NotebookPanel .jp-Cell').nth(2)).toHaveClass(
    /jp-mod-active/
  );
});
