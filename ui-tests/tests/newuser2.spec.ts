import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import {
  codeNotebook,
  openWithFindings,
  promoteFromContextMenu,
  saveFromCell,
  titleCell,
  uploadAndOpen,
  withModule
} from './helpers';

/**
 * What a new user met on real notebooks (PythonDataScienceHandbook, dask-tutorial) after saving
 * once: the score and the black findings after an edit or a Fix.
 */

const UNFORMATTED = codeNotebook(
  ['values=[1,2 ,3]\ntotal=sum( values )', 'print( total )'],
  [titleCell('# Sums\n\nTwo cells black would format.')]
);

const BLACK =
  '.jp-ProdPanel-groups .jp-ProdPanel-finding[data-check="not-black-formatted"]';

/** Open UNFORMATTED as `name` with the panel on its findings (the quick checks only): the panel. */
function openUnformatted(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name = 'sums.ipynb'
) {
  return openWithFindings(page, tmpPath, name, UNFORMATTED);
}

/** Open UNFORMATTED with the panel, save it (every check runs): the panel, with its two black findings. */
async function openSaved(page: IJupyterLabPageFixture, tmpPath: string) {
  const panel = await openUnformatted(page, tmpPath);
  await saveFromCell(page);
  await expect(panel.locator(BLACK)).toHaveCount(2);
  return panel;
}

test('the score stays that of the findings shown when a cell is edited after a save', async ({
  page,
  tmpPath
}) => {
  const panel = await openSaved(page, tmpPath);
  const score = panel.locator('.jp-ProdPanel-scoreValue');
  const status = panel.locator('.jp-ProdPanel-status');
  await expect(status).toContainText('findings');
  const saved = {
    score: await score.textContent(),
    status: await status.textContent()
  };
  // the check of the edited notebook (its request carries the new line)
  const checked = page.waitForResponse(
    r =>
      r.url().includes('/jupyter-prod/check') &&
      (r.request().postData() ?? '').includes('# the sum')
  );
  await (await page.notebook.getCellInputLocator(2))!
    .locator('.cm-line')
    .last()
    .click();
  await page.keyboard.press('End');
  await page.keyboard.type('  # the sum');
  await checked;
  await expect(status).toHaveText(saved.status!);
  // the fast check's own score left out the black findings still listed: it rose
  await expect(score).toHaveText(saved.score!);
});

test('a Fix of a black finding, and Format Cell, take the fixed cell off the list without a save', async ({
  page,
  tmpPath
}) => {
  const panel = await openSaved(page, tmpPath);
  const score = panel.locator('.jp-ProdPanel-scoreValue');
  const scores = [Number(await score.textContent())];
  await panel
    .locator(`${BLACK}[data-cell="1"]`)
    .getByRole('button', { name: 'Fix', exact: true })
    .click();
  await expect(
    (await page.notebook.getCellInputLocator(1))!.locator('.cm-content')
  ).toHaveText('values = [1, 2, 3]total = sum(values)');
  await expect(panel.locator(BLACK)).toHaveCount(1);
  await expect(panel.locator(BLACK)).toHaveAttribute('data-cell', '2');
  // one warning less
  await expect
    .poll(async () => Number(await score.textContent()))
    .toBeGreaterThan(scores[0]);
  scores.push(Number(await score.textContent()));

  await page.notebook.selectCells(2);
  await (await page.notebook.getCellLocator(2))!.click({ button: 'right' });
  await page
    .locator('.lm-Menu')
    .getByText('Format Cell with Black', { exact: true })
    .click();
  await expect(panel.locator(BLACK)).toHaveCount(0);
  await expect
    .poll(async () => Number(await score.textContent()))
    .toBeGreaterThan(scores[1]);
});

test('the notification after a promotion names what moved, not the imports the module copied', async ({
  page,
  tmpPath
}, testInfo) => {
  await uploadAndOpen(
    page,
    tmpPath,
    'delayed.ipynb',
    codeNotebook(
      [
        'from time import sleep\n\n\ndef inc(x):\n    sleep(1)\n    return x + 1',
        'inc(1)'
      ],
      [titleCell('# Delayed\n\nA function that sleeps.')]
    )
  );
  await withModule(testInfo, 'toys', async module => {
    const dialog = await promoteFromContextMenu(page, 1, `${module}.py`);
    await expect(dialog.locator('.jp-ProdPromote-slice')).toHaveText(
      `Moves to ${module}.py: inc · with the imports it uses: sleep`
    );
    await dialog.getByRole('button', { name: 'Promote' }).click();
    // sleep stays imported in the notebook: it was not promoted
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Promoted' })
    ).toHaveText(`Promoted inc to ${module}.py.`);
  });
});

test("the panel says its score is the quick checks' until a save runs every check", async ({
  page,
  tmpPath
}) => {
  const panel = await openUnformatted(page, tmpPath, 'quick.ipynb');
  // an opened notebook is checked with the fast checks alone: no black finding yet
  const quick = panel.locator('.jp-ProdPanel-quick');
  await expect(quick).toHaveText(
    'Quick checks only: black, mypy and git run when you save, or now with ↻.'
  );
  await expect(panel.locator(BLACK)).toHaveCount(0);
  await saveFromCell(page);
  await expect(panel.locator(BLACK)).toHaveCount(2);
  await expect(quick).toHaveCount(0);
});

test('a long notebook name stays beside the score, cut short', async ({
  page,
  tmpPath
}) => {
  const panel = await openUnformatted(
    page,
    tmpPath,
    'aggregation_and_grouping_with_pandas_chapter_three.ipynb'
  );
  await expect(panel.locator('.jp-ProdPanel-status')).toContainText('finding');
  const score = await panel.locator('.jp-ProdPanel-score').boundingBox();
  const name = await panel.locator('.jp-ProdPanel-path').boundingBox();
  // on the score's row (the summary wraps only for the quick-checks line)
  expect(name!.y).toBeLessThan(score!.y + score!.height);
  expect(name!.x).toBeGreaterThan(score!.x + score!.width);
});

test('code the server quotes in backticks shows as code, in findings and in the promote preview', async ({
  page,
  tmpPath
}) => {
  const panel = await openWithFindings(
    page,
    tmpPath,
    'quoted.ipynb',
    codeNotebook(
      [
        'import random\n\nrate = random.random()',
        'def tax(x):\n    return x * rate',
        'print(tax(10))'
      ],
      [titleCell('# Tax\n\nA function reading data.')]
    )
  );
  // never-executed's hint: "Run all cells once (or use `jupyter-prod run`) ..."
  const hint = panel.locator(
    '.jp-ProdPanel-finding[data-check="never-executed"] .jp-ProdPanel-hint'
  );
  await expect(hint.locator('code')).toHaveText('jupyter-prod run');
  await expect(hint).not.toContainText('`');

  // a preview only (Cancel): nothing is written at the server root
  const dialog = await promoteFromContextMenu(page, 2, 'quoted_module.py');
  const legend = dialog.locator(
    '.jp-ProdPromote-choice[data-name="rate"] legend'
  );
  // the name once, as code, not "rate `rate` (cell 2) ..."
  await expect(legend).toContainText(
    /^rate \(cell 2\) is data the notebook computes/
  );
  await expect(legend).not.toContainText('`');
  await expect(legend.locator('code').first()).toHaveText('rate');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
});
