import { expect, test } from '@jupyterlab/galata';
import { activeCell, codeNotebook, openPanel, uploadAndOpen } from './helpers';

/**
 * A long finding list: a group shows its first 50 findings and a
 * "Show N more" button; the button shows the rest, and a finding beyond the
 * first 50 still reveals its cell.
 */

const UNDEFINED = 60;

test('shows more findings of a long group and reveals one beyond the first 50', async ({
  page,
  tmpPath
}) => {
  // 60 code cells, each reading a name nothing defines: 60 `undefined-name` findings
  const sources = Array.from(
    { length: UNDEFINED },
    (_, i) => `print(missing_${i})`
  );
  await uploadAndOpen(page, tmpPath, 'long.ipynb', codeNotebook(sources));
  const panel = await openPanel(page);

  const group = panel.locator('.jp-ProdPanel-group[data-family="dataflow"]');
  const undefinedName = group.locator(
    '.jp-ProdPanel-finding[data-check="undefined-name"]'
  );
  const more = group.locator('.jp-ProdPanel-button.jp-mod-more');
  await expect(undefinedName).toHaveCount(50);
  await expect(more).toHaveText(`Show ${UNDEFINED - 50} more`);

  await more.click();
  await expect(undefinedName).toHaveCount(UNDEFINED);
  await expect(more).toHaveCount(0);

  // the 56th finding is in the 56th cell (index 55): a click reveals it
  const late = undefinedName.nth(55);
  await expect(late).toContainText('missing_55');
  await page.notebook.selectCells(0);
  await late.locator('.jp-ProdPanel-findingMain').click();
  await expect.poll(async () => (await activeCell(page)).index).toBe(55);
});

test('a finding far down a 1000-cell notebook JupyterLab has not drawn yet is revealed at once', async ({
  page,
  tmpPath
}) => {
  // JupyterLab draws a long notebook's cells in idle time, top first: cell 951 is not drawn for a while
  const sources = Array.from(
    { length: 1000 },
    (_, i) => `value_${i} = ${i}\nprint(value_${i} * 2)`
  );
  sources[950] = 'total = 1\nprint(far_away_name)';
  await uploadAndOpen(page, tmpPath, 'thousand.ipynb', codeNotebook(sources));
  const panel = await openPanel(page);
  const finding = panel.locator(
    '.jp-ProdPanel-finding[data-check="undefined-name"]',
    { hasText: 'far_away_name' }
  );
  await expect(finding).toBeVisible({ timeout: 60000 });
  const target = page.locator(
    '.jp-NotebookPanel .jp-Notebook [data-windowed-list-index="950"]'
  );
  expect(await target.count()).toBe(0); // not drawn yet: the case this test is about

  await finding.locator('.jp-ProdPanel-findingMain').click();
  // at once (before, it waited for JupyterLab to draw the 950 cells above it: tens of seconds)
  await expect(target).toBeInViewport({ timeout: 3000 });
  await expect(target.locator('.cm-content')).toBeFocused({ timeout: 3000 });
  const active = await activeCell(page);
  expect(active.index).toBe(950);
  expect(active.line).toBe(1); // the cursor on the finding's line
  // and it stays in view while JupyterLab draws the cells above it
  await page.waitForTimeout(2000);
  await expect(target).toBeInViewport({ timeout: 1 });
});
