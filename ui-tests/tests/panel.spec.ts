import { expect, test } from '@jupyterlab/galata';
import {
  addHiddenCheck,
  codeNotebook,
  openSection,
  runFromPalette,
  titleCell,
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
  await uploadAndOpen(
    page,
    tmpPath,
    'typo.ipynb',
    codeNotebook(['import os\nimport sys\nprint(os.getcwd())'], TITLE)
  );
  const panel = await openSection(page, 'findings');
  const finding = panel.locator(
    '.jp-ProdPanel-groups .jp-ProdPanel-finding[data-check="unused-import"]'
  );
  await expect(finding).toHaveCount(1);

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
