import { expect, test } from '@jupyterlab/galata';
import { codeNotebook, openOneFinding, titleCell } from './helpers';

/**
 * What a person sees after a one-click Fix and after a commit: the fixed cell
 * brought into view, and a Commit section that says when nothing is left to
 * commit.
 */

const TITLE = [
  titleCell('# Fix and commit\n\nA notebook of the fix-commit spec.')
];

/** The cells of the notebook in the current tab. */
function cells(page: import('@playwright/test').Page) {
  return page.locator(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell'
  );
}

test('a Fix of a cell far down the notebook scrolls to it and selects it', async ({
  page,
  tmpPath
}) => {
  // forty short cells, then one black would reformat: off screen when the notebook opens
  const sources = Array.from({ length: 40 }, (_, i) => `print(${i})`);
  const last = sources.length + 1; // after the title cell
  const { finding } = await openOneFinding(page, tmpPath, 'long-fix.ipynb', {
    notebook: codeNotebook([...sources, 'x=1'], TITLE),
    finding: `.jp-ProdPanel-finding[data-check="not-black-formatted"][data-cell="${last}"]`,
    save: true
  });
  const cell = cells(page).nth(last);
  await expect(cell).not.toBeInViewport();

  await finding.getByRole('button', { name: 'Fix', exact: true }).click();
  await expect(cell.locator('.cm-content')).toHaveText('x = 1');
  await expect(cell).toBeInViewport();
  await expect(cell).toHaveClass(/\bjp-mod-active\b/);
});
