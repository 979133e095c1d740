import { expect, galata, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
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

/** 1000 code cells; JupyterLab draws a long notebook's cells in idle time, top first. */
function thousandCells(): string[] {
  return Array.from(
    { length: 1000 },
    (_, i) => `value_${i} = ${i}\nprint(value_${i} * 2)`
  );
}

/** How many more cells JupyterLab must draw above the revealed one while it stays in view. */
const DRAWN_ABOVE = 50;

/**
 * Open the notebook, wait for the finding, click it: cell 951 must be in view at once, and stay in
 * view while JupyterLab then draws the cells above it (`everyCellStays`, as in the default
 * windowing mode: until it has drawn 50 more; else, in the `full` mode that draws only the cells in
 * view, for 2 s of its idle pass).
 *
 * JupyterLab draws a long notebook's cells in idle time, top first, a few at a time (in headless
 * Chromium, tens of cells a minute): when the finding is listed, cell 951 is not drawn yet, which
 * the test sees as a person does (it is not on the page) before it clicks.
 */
async function revealFar(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  file: { name: string; notebook: Record<string, unknown> },
  finding: { check: string; text: string },
  everyCellStays = true
) {
  await uploadAndOpen(page, tmpPath, file.name, file.notebook);
  const panel = await openPanel(page);
  const item = panel.locator(
    `.jp-ProdPanel-finding[data-check="${finding.check}"]`,
    { hasText: finding.text }
  );
  await expect(item).toBeVisible({ timeout: 60000 });
  const cells = page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell');
  const target = page.locator(
    '.jp-NotebookPanel .jp-Notebook [data-windowed-list-index="950"]'
  );
  // not drawn yet: the case these tests are about
  expect(await target.count()).toBe(0);

  await item.locator('.jp-ProdPanel-findingMain').click();
  // at once (before, it waited for JupyterLab to draw the 950 cells above it: tens of seconds)
  await expect(target).toBeInViewport({ timeout: 3000 });
  expect((await activeCell(page)).index).toBe(950);
  // and it stays in view while JupyterLab draws the cells above it
  const drawn = await cells.count();
  if (everyCellStays) {
    // 50 more cells drawn above it would have pushed it far out of view, unless held in place
    await expect
      .poll(() => cells.count(), { timeout: 60000 })
      .toBeGreaterThanOrEqual(drawn + DRAWN_ABOVE);
  } else {
    await page.waitForTimeout(2000);
  }
  await expect(target).toBeInViewport({ timeout: 1 });
  return target;
}

/** A code finding far down: revealed with the cursor in its editor on the finding's line. */
async function revealFarCode(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string,
  everyCellStays = true
) {
  const sources = thousandCells();
  sources[950] = 'total = 1\nprint(far_away_name)';
  const notebook = codeNotebook(sources);
  const target = await revealFar(
    page,
    tmpPath,
    { name, notebook },
    { check: 'undefined-name', text: 'far_away_name' },
    everyCellStays
  );
  await expect(target.locator('.cm-content')).toBeFocused({ timeout: 3000 });
  expect((await activeCell(page)).line).toBe(1); // the cursor on the finding's line
}

test('a finding far down a 1000-cell notebook JupyterLab has not drawn yet is revealed at once', async ({
  page,
  tmpPath
}) => {
  await revealFarCode(page, tmpPath, 'thousand.ipynb');
});

test('a finding in an undrawn markdown cell far down is revealed at once', async ({
  page,
  tmpPath
}) => {
  // JupyterLab's own `renderCellOutputs` draws code cells only: a markdown cell waited for the idle pass
  const notebook = codeNotebook(thousandCells());
  const key = ['AKIA', 'Q3EGRT7XK2LMNP4Z'].join('');
  (notebook.cells as Record<string, unknown>[])[950] = {
    cell_type: 'markdown',
    id: 'cell-950',
    metadata: {},
    source: `## Credentials\n\nOur key is ${key}, do not share.`
  };
  const target = await revealFar(
    page,
    tmpPath,
    { name: 'markdown-far.ipynb', notebook },
    { check: 'secret', text: '' }
  );
  await expect(target).toContainText('Credentials');
});

test.describe('with windowing mode "full" (only the cells in view are drawn)', () => {
  const TRACKER = '@jupyterlab/notebook-extension:tracker';
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      [TRACKER]: {
        ...(galata.DEFAULT_SETTINGS[TRACKER] as Record<string, unknown>),
        windowingMode: 'full'
      }
    }
  });

  test('a finding far down is revealed with the cursor on its line', async ({
    page,
    tmpPath
  }) => {
    await revealFarCode(page, tmpPath, 'full-mode.ipynb', false);
  });
});
