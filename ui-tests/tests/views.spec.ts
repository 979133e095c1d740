import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { codeNotebook, openPanel, uploadAndOpen } from './helpers';

/**
 * Two views of one notebook (File > New View for Notebook): they share one
 * document, so the panel shows the same current findings in either, whichever
 * view was edited or saved. With a model per view, every edit was checked
 * twice and, on save, one view's full check replaced the other's on the
 * server (409, an error in the console): that view's panel never showed the
 * type errors.
 */

/** Click into line `line` (0-based) of cell `cell` of the view whose tab is `tab`, at its end. */
async function editIn(
  page: IJupyterLabPageFixture,
  tab: ReturnType<IJupyterLabPageFixture['locator']>,
  cell: number,
  line: number
) {
  await tab.click();
  const view = page.locator(`[id="${await tab.getAttribute('data-id')}"]`);
  await view
    .locator('.jp-Cell')
    .nth(cell)
    .locator('.cm-line')
    .nth(line)
    .click();
  await page.keyboard.press('End');
}

test('two views of one notebook show the same current findings after edits and saves in either', async ({
  page,
  tmpPath
}) => {
  // this extension's errors (its log lines name it, its failed requests its routes) and any
  // 409 (a check refused or replaced): JupyterLab's and the kernel's own noise is not ours
  const errors: string[] = [];
  page.on('console', message => {
    const text = `${message.text()} ${message.location().url}`;
    if (message.type() === 'error' && /jupyter[-_]prod|\b409\b/.test(text)) {
      errors.push(text);
    }
  });
  const statuses: number[] = [];
  page.on('response', response => {
    if (response.url().includes('jupyter-prod/check')) {
      statuses.push(response.status());
    }
  });
  await uploadAndOpen(
    page,
    tmpPath,
    'views.ipynb',
    codeNotebook([
      'def double(x: int) -> int:\n    return 2 * x',
      'print(double(2))'
    ])
  );
  const panel = await openPanel(page);
  await expect(panel.locator('.jp-ProdPanel-status')).toContainText('finding');

  await page.menu.clickMenuItem('File>New View for Notebook');
  const tabs = page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
    hasText: 'views.ipynb'
  });
  await expect(tabs).toHaveCount(2);
  const undefinedName = panel.locator(
    '.jp-ProdPanel-finding[data-check="undefined-name"]'
  );
  const typeError = panel.locator(
    '.jp-ProdPanel-finding[data-check="type-error"]'
  );

  // in the new view: a name nothing defines and a call mypy rejects, then save (the slow checks run)
  await editIn(page, tabs.nth(1), 1, 0);
  await page.keyboard.type('\nprint(nowhere)\ndouble("a")');
  await expect(undefinedName).toHaveCount(1);
  await page.keyboard.press('Control+s');
  await expect(typeError.first()).toBeVisible({ timeout: 60000 });
  await expect(panel.locator('.jp-ProdPanel-status')).not.toContainText(
    'Checking'
  );
  const typeErrors = await typeError.count();

  // the first view shows the same findings
  await tabs.nth(0).click();
  await expect(undefinedName).toHaveCount(1);
  await expect(typeError).toHaveCount(typeErrors);

  // edit there: the undefined name goes; save; the second view shows the same
  await editIn(page, tabs.nth(0), 1, 1);
  await page.keyboard.press('Shift+Home');
  await page.keyboard.press('Backspace');
  await expect(undefinedName).toHaveCount(0);
  await page.keyboard.press('Control+s');
  // mypy's run on save: only the call with a str is left
  await expect(typeError).toHaveCount(1, { timeout: 60000 });
  await expect(typeError).toContainText('"str"');
  await tabs.nth(1).click();
  await expect(undefinedName).toHaveCount(0);
  await expect(typeError).toHaveCount(1);

  // the first view closed (the one the notebook was opened in): the other still checks its edits
  await tabs.nth(0).locator('.lm-TabBar-tabCloseIcon').click();
  await expect(tabs).toHaveCount(1);
  await editIn(page, tabs.nth(0), 1, 0);
  await page.keyboard.type('\nprint(elsewhere)');
  await expect(undefinedName).toHaveCount(1);
  await expect(undefinedName).toContainText('elsewhere');

  // no check was refused or replaced, nothing of this extension went wrong in the console
  expect(statuses.filter(s => s !== 200)).toEqual([]);
  expect(errors).toEqual([]);
});
