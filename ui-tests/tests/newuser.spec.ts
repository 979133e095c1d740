import { expect, test } from '@jupyterlab/galata';
import {
  codeNotebook,
  git,
  openSection,
  pressCommit,
  promoteFromContextMenu,
  titleCell,
  uploadAndOpen
} from './helpers';

/**
 * What a new user met trying the product through the UI on notebooks they
 * had not seen: each test is one such defect, driven as the user drove it.
 */

const TITLE = [titleCell('# New user\n\nA notebook of the newuser spec.')];

test('a commit refused for one error finding says, in the panel’s words, how to commit anyway', async ({
  page,
  tmpPath
}, testInfo) => {
  const name = `refused-${testInfo.retry}.ipynb`;
  const notebook = `${tmpPath}/${name}`;
  await uploadAndOpen(
    page,
    tmpPath,
    name,
    codeNotebook(['print(total)'], TITLE)
  );
  const panel = await openSection(page, 'commit');
  await expect(panel.locator('.jp-ProdCommit-gate')).toHaveAttribute(
    'data-verdict',
    'findings'
  );
  await pressCommit(panel, 'Print the total');

  // one finding is "it", and the way out is the button the panel shows (not a CLI flag in words)
  const failure = panel.locator('.jp-ProdCommit-failure');
  const message = failure.locator('.jp-ProdCommit-failureMessage');
  await expect(message).toContainText(`1 error finding in ${notebook}`);
  await expect(message).toContainText(
    "fix it, or commit anyway ('Commit anyway' in the panel"
  );
  await expect(message).not.toContainText('with allow findings');
  await failure.getByRole('button', { name: 'Commit anyway' }).click();
  await expect(
    page.locator('.Toastify__toast', { hasText: 'Print the total' })
  ).toBeVisible();
  expect(git('log', '-1', '--format=%s', '--', notebook).trim()).toBe(
    'Print the total'
  );
});

test('the promote preview lists the imports a definition uses apart from what moves', async ({
  page,
  tmpPath
}) => {
  await uploadAndOpen(
    page,
    tmpPath,
    'imports.ipynb',
    codeNotebook(
      ['import math', 'def area(r):\n    return math.pi * r**2', 'area(2)'],
      TITLE
    )
  );
  // a preview only (Cancel): nothing is written at the server root
  const dialog = await promoteFromContextMenu(page, 2, 'geometry.py');
  // the notebook keeps its import: only area moves; math is an import the module gets as well
  await expect(dialog.locator('.jp-ProdPromote-slice')).toHaveText(
    'Moves to geometry.py: area · with the imports it uses: math'
  );
  const notebookDiff = dialog.locator('.jp-ProdPromote-diff').last();
  await expect(notebookDiff).toContainText('+from geometry import area');
  await expect(notebookDiff).not.toContainText('-import math');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
});

test('Escape closes a promote preview that cannot be applied as it opened', async ({
  page,
  tmpPath
}) => {
  await uploadAndOpen(
    page,
    tmpPath,
    'escape.ipynb',
    codeNotebook(['import math', 'from math import *\nprint(pi)'], TITLE)
  );
  // statements only, whose function needs the star import's names: the preview opens with
  // Promote disabled (the names must be imported explicitly first)
  const dialog = await promoteFromContextMenu(page, 2, 'escape_module.py');
  await expect(dialog.locator('.jp-ProdPromote-problems')).toContainText(
    'only a star import'
  );
  await expect(dialog.getByRole('button', { name: 'Promote' })).toBeDisabled();
  // the keyboard still reaches the dialog: Escape closes it, as Cancel does
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});

test('with two notebooks open, the Clean Run section names the one it runs', async ({
  page,
  tmpPath
}) => {
  await uploadAndOpen(
    page,
    tmpPath,
    'first.ipynb',
    codeNotebook(['x = 1'], TITLE)
  );
  await uploadAndOpen(
    page,
    tmpPath,
    'second.ipynb',
    codeNotebook(['y = 2'], TITLE)
  );
  const panel = await openSection(page, 'run');
  const intro = panel.locator('.jp-ProdRun-intro');
  await expect(intro).toContainText(
    'Run a copy of second.ipynb, top to bottom'
  );
  // the user brings the other notebook forward: the section follows and says so
  await page
    .locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: 'first.ipynb' })
    .click();
  await expect(intro).toContainText('Run a copy of first.ipynb, top to bottom');
  await expect(
    panel.getByRole('button', { name: 'Run in Clean Kernel' })
  ).toBeEnabled();
});
