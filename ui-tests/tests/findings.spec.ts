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
