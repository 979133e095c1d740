import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import {
  expectNoFileChanged,
  git,
  PANEL,
  promoteFromContextMenu,
  ROOT
} from './helpers';

/**
 * A percent script (jupytext) opened as a notebook, the way a person does it:
 * right-click in the file browser, Open With > Jupytext Notebook. The Readiness
 * panel then works on it as on an .ipynb.
 */

const SCRIPTS = path.resolve(__dirname, '..', 'jupytext');
/** Right-click the script in the file browser, Open With > Jupytext Notebook. */
async function openAsNotebook(
  page: IJupyterLabPageFixture,
  name: string,
  cells: number
): Promise<void> {
  await page
    .locator('.jp-DirListing-item', { hasText: name })
    .click({ button: 'right' });
  await page.locator('.lm-Menu-itemLabel', { hasText: /^Open With$/ }).hover();
  await page
    .locator('.lm-Menu-itemLabel', { hasText: /^Jupytext Notebook$/ })
    .click();
  await expect(page.locator('.jp-NotebookPanel .jp-Cell')).toHaveCount(cells);
}

test.beforeEach(async ({ page, tmpPath }) => {
  await page.contents.uploadDirectory(SCRIPTS, tmpPath);
  await page.filebrowser.openDirectory(tmpPath);
});

test('the readiness panel works on a percent script opened as a notebook', async ({
  page
}) => {
  await openAsNotebook(page, 'analysis.py', 3);

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

test('promotes from a paired script, saves both files, commits the pair', async ({
  page,
  tmpPath
}, testInfo) => {
  expect(ROOT, 'JP_PROD_UI_ROOT is set by playwright.config.js').toBeTruthy();
  const module = `areas_mod${testInfo.retry ? `_${testInfo.retry}` : ''}`;
  await openAsNotebook(page, 'paired.py', 3);
  // the server answers the script's saves a second after writing it (jupytext writes both files)
  fs.writeFileSync(path.join(ROOT, tmpPath, 'paired.py.slow-save'), '');

  // the user's path: context menu on the function's cell, the module path, the preview, Promote,
  // and at once Ctrl+S (Promote saves the notebook itself: the two saves must not race into
  // JupyterLab's 'File Changed')
  const dialog = await promoteFromContextMenu(page, 1, `${module}.py`);
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(dialog).toHaveCount(0);
  await page.keyboard.press('Control+s');
  await expect(page.locator('.jp-NotebookPanel .jp-Cell').nth(1)).toContainText(
    `from ${module} import area`
  );
  await expect(
    page.locator('.Toastify__toast', {
      hasText: `Promoted area to ${module}.py.`
    })
  ).toBeVisible();
  await expect(page.locator('.jp-mod-dirty')).toHaveCount(0);
  await expectNoFileChanged(page);

  // jupytext wrote the script (percent, as it was) and its .ipynb twin
  const script = fs.readFileSync(
    path.join(ROOT, tmpPath, 'paired.py'),
    'utf-8'
  );
  expect(script).toContain(`# %%\nfrom ${module} import area\n`);
  expect(script).not.toContain('def area');
  expect(script).toContain('formats: ipynb,py:percent');
  expect(fs.existsSync(path.join(ROOT, tmpPath, 'paired.ipynb'))).toBe(true);

  // the commit tab offers the pair and the module; one commit takes them all
  await page.sidebar.openTab('jupyter-prod:panel');
  const panel = page.locator(PANEL);
  await panel.locator('.jp-ProdPanel-tab[data-section="commit"]').click();
  for (const file of [
    `${tmpPath}/paired.py`,
    `${tmpPath}/paired.ipynb`,
    `${module}.py`
  ]) {
    await expect(
      panel.locator(
        `.jp-ProdCommit-file[data-path="${file}"] input[type="checkbox"]`
      )
    ).toBeChecked();
  }
  await panel
    .locator('.jp-ProdCommit-message')
    .fill(`Promote area to ${module}`);
  await panel.locator('.jp-ProdCommit-commit').click();
  const result = panel.locator('.jp-ProdCommit-result');
  await expect(result).toBeVisible();
  const sha = (await result.getAttribute('data-commit')) as string;
  const files = git('show', '--name-only', '--format=', sha).trim().split('\n');
  expect(files.sort()).toEqual(
    [`${tmpPath}/paired.ipynb`, `${tmpPath}/paired.py`, `${module}.py`].sort()
  );
  expect(git('show', `${sha}:${tmpPath}/paired.py`)).toBe(script);
});
