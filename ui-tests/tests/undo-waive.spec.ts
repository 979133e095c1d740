import { expect, test } from '@jupyterlab/galata';
import { codeNotebook, openSection, uploadAndOpen } from './helpers';

/**
 * Taking things back, as a new user does: a one-click Fix undone with Ctrl+Z
 * in its cell, a waiver taken back from the panel (also after a reload), a
 * module edited in JupyterLab's editor and not saved when a promotion writes
 * it, and a Commit button that says why it is disabled.
 */

const TITLE = [
  {
    cell_type: 'markdown',
    id: 'title',
    metadata: {},
    source: '# Undo\n\nA notebook of the undo-waive spec.'
  }
];

test('Ctrl+Z in the cell takes back a one-click Fix, Ctrl+Shift+Z applies it again', async ({
  page,
  tmpPath
}) => {
  await uploadAndOpen(
    page,
    tmpPath,
    'undo-fix.ipynb',
    codeNotebook(['x=1', 'print(x)'], TITLE)
  );
  const panel = await openSection(page, 'findings');
  // saving runs black (a slow check)
  await page.keyboard.press('Control+s');
  const fix = panel.locator(
    '.jp-ProdPanel-finding[data-check="not-black-formatted"][data-cell="1"] .jp-mod-fix'
  );
  await expect(fix).toBeEnabled();
  await fix.click();
  const editor = (await page.notebook.getCellLocator(1))!.locator(
    '.cm-content'
  );
  await expect(editor).toHaveText('x = 1');

  await editor.click();
  await page.keyboard.press('Control+z');
  await expect(editor).toHaveText('x=1');
  await page.keyboard.press('Control+Shift+z');
  await expect(editor).toHaveText('x = 1');
});
