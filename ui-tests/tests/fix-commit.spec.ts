import { expect, test } from '@jupyterlab/galata';
import {
  codeNotebook,
  commitFromPanel,
  openOneFinding,
  pressCommit,
  titleCell,
  uploadAndOpen
} from './helpers';

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

test('after a commit the Commit section says there is nothing to commit, until the notebook changes', async ({
  page,
  tmpPath
}, testInfo) => {
  const name = `nothing-${testInfo.retry}.ipynb`;
  await uploadAndOpen(
    page,
    tmpPath,
    name,
    codeNotebook(['import os\nprint(os.sep)'], TITLE)
  );
  // the kernel's start fills in language_info (an edit): commit once it is up
  await expect(page.locator('#jp-main-statusbar')).toContainText('Idle');
  const panel = await commitFromPanel(page, 'Add the notebook');
  const gate = panel.locator('.jp-ProdCommit-gate');
  const button = panel.locator('.jp-ProdCommit-commit');
  await expect(gate).toHaveText(
    'Nothing to commit: no file changed since the last commit. Edit the notebook or its modules.'
  );
  await panel.locator('.jp-ProdCommit-message').fill('Again');
  await expect(button).toBeDisabled();
  await expect(button).toHaveAttribute(
    'title',
    'Nothing to commit: no file changed since the last commit. Edit the notebook or its modules.'
  );

  // the person edits the notebook: ready again (the commit saves it first)
  const editor = cells(page).nth(1).locator('.cm-content');
  await editor.click();
  await page.keyboard.press('End');
  await page.keyboard.type('\nprint(os.name)');
  await expect(gate).toHaveText('Ready to commit: no error findings.');
  await expect(button).toBeEnabled();
  await pressCommit(panel, 'Print the name too');
  await expect(
    page.locator('.Toastify__toast', { hasText: 'Print the name too' })
  ).toBeVisible();
  await expect(gate).toHaveText(/^Nothing to commit/);
});
