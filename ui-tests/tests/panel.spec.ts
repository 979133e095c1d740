import { expect, test } from '@jupyterlab/galata';
import {
  addHiddenCheck,
  codeNotebook,
  openOneFinding,
  openSection,
  runFromPalette,
  titleCell,
  UNUSED_IMPORT,
  uploadAndOpen
} from './helpers';

/**
 * The Readiness panel itself, as a person uses it: what a waiver of a slow
 * check costs (no mypy run to hide a finding), and a mistyped check id in
 * the settings, which the panel names.
 */

const TITLE = [titleCell('# Panel\n\nA notebook of the panel spec.')];

test('waiving a type error hides it without running mypy; Un-waive runs the type check alone', async ({
  page,
  tmpPath
}) => {
  await uploadAndOpen(
    page,
    tmpPath,
    'waive-type.ipynb',
    codeNotebook(
      ['def double(v: int) -> int:\n    return v * 2', 'double("two")'],
      TITLE
    )
  );
  const panel = await openSection(page, 'findings');
  const status = panel.locator('.jp-ProdPanel-status');
  await runFromPalette(page, 'Run Type Check');
  const typeError = panel.locator(
    '.jp-ProdPanel-groups .jp-ProdPanel-finding[data-check="type-error"]'
  );
  await expect(typeError).toHaveCount(1, { timeout: 60000 });

  // what the panel asks the server from here on (observed, not changed)
  const asked: unknown[] = [];
  page.on('request', request => {
    if (
      request.method() === 'POST' &&
      request.url().includes('/jupyter-prod/check')
    ) {
      asked.push(request.postDataJSON().checks);
    }
  });
  await typeError.getByRole('button', { name: /^Waive/ }).click();
  await expect(typeError).toHaveCount(0);
  await expect(status).toContainText('1 waived');
  // the fast checks ran (the waiver is in the cell's metadata); mypy did not
  expect(asked.length).toBeGreaterThan(0);
  expect(asked.every(checks => checks === 'fast')).toBe(true);

  asked.length = 0;
  const waived = panel.locator('.jp-ProdPanel-waived');
  await waived.getByRole('button', { name: /Waived/ }).click();
  await waived
    .locator('.jp-ProdPanel-finding[data-check="type-error"]')
    .getByRole('button', { name: /Un-waive/ })
    .click();
  await expect(typeError).toHaveCount(1, { timeout: 60000 });
  await expect(status).not.toContainText('waived');
  // taking the waiver back runs the type check alone: not black, not every check
  expect(asked).toContainEqual(['type-error']);
  expect(asked).not.toContainEqual('all');
  expect(
    asked.every(checks => checks === 'fast' || Array.isArray(checks))
  ).toBe(true);
  expect(asked.flat()).not.toContain('not-black-formatted');
});

test('a mistyped id in "Hide these checks" is named in the panel until it is corrected', async ({
  page,
  tmpPath
}) => {
  const { panel, finding } = await openOneFinding(
    page,
    tmpPath,
    'typo.ipynb',
    UNUSED_IMPORT
  );

  const item = await addHiddenCheck(page);
  await item.fill('unused-imports');

  // the typo hides nothing, and the panel says so: which id, which setting, where the ids are
  const warning = panel.locator('.jp-ProdPanel-warning');
  await expect(warning).toContainText(
    "Unknown check id in the settings: 'unused-imports' (Hide these checks)."
  );
  await expect(warning).toContainText('jupyter-prod checks');
  await expect(finding).toHaveCount(1);

  await item.fill('unused-import');
  await expect(warning).toHaveCount(0);
  await expect(finding).toHaveCount(0);
});

test('the section tabs and the severity filter are arrow-key groups; Waive names its check and cell', async ({
  page,
  tmpPath
}) => {
  // the one click: the Findings tab, which takes the focus; the keyboard from there
  const { panel } = await openOneFinding(
    page,
    tmpPath,
    'keys.ipynb',
    UNUSED_IMPORT
  );
  // checked (the Run all checks button is enabled: a Tab stop)
  await expect(panel.locator('.jp-ProdPanel-status')).toContainText('finding');
  const focused = page.locator(':focus');
  const tab = (name: string) => panel.getByRole('tab', { name, exact: true });
  await expect(tab('Findings')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(tab('Commit')).toBeFocused();
  await expect(tab('Commit')).toHaveAttribute('aria-selected', 'true');
  await expect(panel.getByRole('tabpanel')).toHaveAttribute(
    'aria-labelledby',
    'jp-ProdPanel-tab-commit'
  );
  await page.keyboard.press('End');
  await expect(tab('Clean Run')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(tab('Findings')).toBeFocused();
  await expect(tab('Findings')).toHaveAttribute('aria-selected', 'true');

  // one Tab leaves the tablist (only its chosen tab is a stop); the next stop
  // after the Run all checks button is the filter's checked option (the button
  // is disabled, no Tab stop, while a check runs: e.g. one the kernel's
  // language_info started)
  await expect(
    panel.getByRole('button', { name: 'Run all checks' })
  ).toBeEnabled();
  await page.keyboard.press('Tab');
  await expect(
    panel.getByRole('button', { name: 'Run all checks' })
  ).toBeFocused();
  await page.keyboard.press('Tab');
  const option = (name: string) =>
    panel.getByRole('radio', { name: new RegExp(`^${name}`) });
  await expect(option('All')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(option('Warnings')).toBeFocused();
  await expect(option('Warnings')).toHaveAttribute('aria-checked', 'true');
  await expect(option('All')).toHaveAttribute('aria-checked', 'false');

  // Tab leaves the filter: the Errors and Info options are no stops; Tab on to
  // the Waive button, named for its check and cell, its tooltip kept
  const waive = panel.getByRole('button', {
    name: 'Waive unused-import in cell 2',
    exact: true
  });
  await expect(waive).toHaveAttribute('title', /Ignore unused-import/);
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    await expect(focused).not.toHaveAttribute('role', 'radio');
    if (await waive.evaluate(el => el === document.activeElement)) {
      break;
    }
  }
  await expect(waive).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(waive).toHaveCount(0);
  await expect(panel.locator('.jp-ProdPanel-status')).toContainText('1 waived');
  // the focus went with the button's finding; it is handed to the section's tab, not dropped to the page
  await expect(tab('Findings')).toBeFocused();

  // the filter is one Tab stop: its checked option
  await expect(panel.getByRole('radio')).toHaveCount(4);
  for (const name of ['All', 'Errors', 'Info']) {
    await expect(option(name)).toHaveAttribute('tabindex', '-1');
  }
  await expect(option('Warnings')).toHaveAttribute('tabindex', '0');
});
