import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import {
  activeCell,
  cellSources,
  metadataShown,
  NOTEBOOKS,
  openNotebook,
  openPanel,
  PANEL,
  previewPromotion,
  runFromPalette,
  SCREENSHOTS
} from './helpers';

/**
 * End-to-end tests of the readiness panel against the real server extension:
 * each test gets a fresh copy of ui-tests/notebooks in its own folder.
 */

test.beforeEach(async ({ page, tmpPath }) => {
  await page.contents.uploadDirectory(NOTEBOOKS, tmpPath);
  await page.filebrowser.openDirectory(tmpPath);
});

test('shows the findings of a notebook and reveals a finding in its cell', async ({
  page,
  tmpPath
}) => {
  await openNotebook(page, `${tmpPath}/readiness.ipynb`);
  await openPanel(page);

  const panel = page.locator(PANEL);
  const undefinedName = panel.locator(
    '.jp-ProdPanel-finding[data-check="undefined-name"]'
  );
  await expect(undefinedName).toHaveCount(1);
  await expect(undefinedName).toContainText('missing_discount');
  await expect(
    panel.locator('.jp-ProdPanel-finding[data-check="out-of-order-execution"]')
  ).toHaveCount(1);
  await expect(panel.locator('.jp-ProdPanel-scoreValue')).toHaveText(/^\d+$/);
  // grouped by family, with counts
  await expect(
    panel.locator('.jp-ProdPanel-group[data-family="dataflow"]')
  ).toContainText('Data flow');
  // badges on the cells
  await expect(page.locator('.jp-ProdCellBadge')).toHaveCount(2);

  // start elsewhere, then jump to the finding (cell 3, line 2)
  await page.notebook.selectCells(0);
  await undefinedName.locator('.jp-ProdPanel-findingMain').click();
  await expect.poll(async () => (await activeCell(page)).index).toBe(3);
  const active = await activeCell(page);
  expect(active.path).toBe(`${tmpPath}/readiness.ipynb`);
  expect(active.line).toBe(1);

  // the severity filter shows only the errors
  const all = await panel.locator('.jp-ProdPanel-finding').count();
  await panel
    .locator('.jp-ProdPanel-filterButton[data-severity="error"]')
    .click();
  await expect(panel.locator('.jp-ProdPanel-finding.jp-mod-error')).toHaveCount(
    await panel.locator('.jp-ProdPanel-finding').count()
  );
  await expect(
    panel.locator('.jp-ProdPanel-finding.jp-mod-warning')
  ).toHaveCount(0);
  await expect(undefinedName).toHaveCount(1);
  await panel
    .locator('.jp-ProdPanel-filterButton[data-severity="all"]')
    .click();
  await expect(panel.locator('.jp-ProdPanel-finding')).toHaveCount(all);
});

test('re-checks the unsaved content while typing', async ({
  page,
  tmpPath
}) => {
  await openNotebook(page, `${tmpPath}/scratch.ipynb`);
  const panel = await openPanel(page);
  await expect(panel.locator('.jp-ProdPanel-status')).toContainText('finding');
  await expect(
    panel.locator('.jp-ProdPanel-finding[data-check="undefined-name"]')
  ).toHaveCount(0);

  await page.notebook.setCell(1, 'code', 'print(nowhere)');

  const finding = panel.locator(
    '.jp-ProdPanel-finding[data-check="undefined-name"]'
  );
  await expect(finding).toHaveCount(1);
  await expect(finding).toContainText('nowhere');
  // nothing was saved: the check used the editor's content (the tab shows unsaved changes)
  await expect(
    page.locator('.lm-TabBar-tab', { hasText: 'scratch.ipynb' })
  ).toHaveClass(/jp-mod-dirty/);
});

test('waives a finding in the cell metadata', async ({ page, tmpPath }) => {
  await openNotebook(page, `${tmpPath}/readiness.ipynb`);
  const panel = await openPanel(page);
  const finding = panel.locator(
    '.jp-ProdPanel-finding[data-check="undefined-name"]'
  );
  await expect(finding).toHaveCount(1);
  await finding.locator('.jp-ProdPanel-button.jp-mod-waive').click();
  await expect(finding).toHaveCount(0);
  await expect(panel.locator('.jp-ProdPanel-status')).toContainText('1 waived');
  // the waiver is in cell 3's metadata, as the Property Inspector's Advanced Tools show it
  await page.notebook.selectCells(3);
  await expect
    .poll(() => metadataShown(page, 'Cell metadata'))
    .toContain('"jupyter_prod":{"ignore":["undefined-name"]}');
});

test('offers the production commands in the code cell context menu', async ({
  page,
  tmpPath
}) => {
  await openNotebook(page, `${tmpPath}/readiness.ipynb`);
  await (await page.notebook.getCellLocator(1))!.click({ button: 'right' });
  const menu = page.locator('.lm-Menu');
  await expect(
    menu.getByText('Check Readiness', { exact: true })
  ).toBeVisible();
  await expect(menu.getByText('Format Cell with Black')).toBeVisible();
  await expect(menu.getByText('Ignore Findings in This Cell')).toBeVisible();
  await expect(menu.getByText('Promote to Module…')).toBeVisible();
  await page.keyboard.press('Escape');
});

test('strips outputs and execution counts', async ({ page, tmpPath }) => {
  await openNotebook(page, `${tmpPath}/readiness.ipynb`);
  await runFromPalette(page, 'Strip Outputs');
  // the outputs leave the page, and every code cell's prompt shows no execution count
  await expect(page.locator('.jp-OutputArea-output')).toHaveCount(0);
  await expect(page.locator('.jp-CodeCell .jp-InputPrompt')).toHaveText([
    '[ ]:',
    '[ ]:',
    '[ ]:'
  ]);
});

test('screenshot of the readiness panel for the README', async ({
  page,
  tmpPath
}) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openNotebook(page, `${tmpPath}/readiness.ipynb`);
  const panel = await openPanel(page);
  await expect(
    panel.locator('.jp-ProdPanel-finding[data-check="undefined-name"]')
  ).toHaveCount(1);
  await expect(panel.locator('.jp-ProdPanel-status')).toContainText('finding');
  await expect(page.locator('.jp-ProdCellBadge')).toHaveCount(2);
  await panel.screenshot({ path: path.join(SCREENSHOTS, 'panel.png') });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'lab.png') });
});

test('applies the black fix of a finding to the open notebook', async ({
  page,
  tmpPath
}) => {
  await openNotebook(page, `${tmpPath}/format.ipynb`);
  const panel = await openPanel(page);
  // black is a slow check: run every check on demand
  await runFromPalette(page, 'Check Notebook Readiness');
  const finding = panel
    .locator('.jp-ProdPanel-finding[data-check="not-black-formatted"]')
    .first();
  await expect(finding).toBeVisible();
  const fix = finding.locator('.jp-ProdPanel-button.jp-mod-fix');
  await expect(fix).toBeEnabled();
  await fix.click();
  await expect
    .poll(async () => (await cellSources(page))[1])
    .toBe('values = [1, 2, 3]\ntotal = sum(values)');
});

test('formats the notebook with black', async ({ page, tmpPath }) => {
  await openNotebook(page, `${tmpPath}/format.ipynb`);
  await runFromPalette(page, 'Format Notebook with Black');
  // the command returns before black answers: wait for the cells to change
  await expect
    .poll(async () => (await cellSources(page)).slice(1, 3))
    .toEqual(['values = [1, 2, 3]\ntotal = sum(values)', 'print(total)']);
});

test('runs the type check on demand', async ({ page, tmpPath }) => {
  await openNotebook(page, `${tmpPath}/types.ipynb`);
  await openPanel(page);
  await runFromPalette(page, 'Run Type Check');
  const finding = page
    .locator(PANEL)
    .locator('.jp-ProdPanel-finding[data-check="type-error"]');
  await expect(finding.first()).toBeVisible();
  await expect(finding.first()).toHaveAttribute('data-cell', '2');
});

test('saving runs the slow checks (black) on the saved notebook', async ({
  page,
  tmpPath
}) => {
  await openNotebook(page, `${tmpPath}/format.ipynb`);
  const panel = await openPanel(page);
  await expect(panel.locator('.jp-ProdPanel-status')).toContainText('finding');
  await expect(
    panel.locator('.jp-ProdPanel-finding[data-check="not-black-formatted"]')
  ).toHaveCount(0);
  await page.notebook.save();
  await expect(
    panel.locator('.jp-ProdPanel-finding[data-check="not-black-formatted"]')
  ).toHaveCount(2);
});

test('loads its settings and finds a server of the same version', async ({
  page
}) => {
  // the Settings Editor shows the extension's settings with their defaults
  await page.menu.clickMenuItem('Settings>Settings Editor');
  await page
    .locator('.jp-PluginList-entry', { hasText: 'Production Readiness' })
    .click();
  const settings = page.locator('.jp-SettingsPanel');
  await expect(settings.locator('input[id$="_debounceMs"]')).toHaveValue('300');
  await expect(settings.locator('input[id$="_mypyOnSave"]')).toBeChecked();
  // no notification that the server's version differs (the versions themselves: pytest and jest)
  await expect(
    page.locator('.Toastify__toast', { hasText: 'jupyter_prod_ext' })
  ).toHaveCount(0);
});

test('promotes a cell to a module after a preview', async ({
  page,
  tmpPath
}, testInfo) => {
  await openNotebook(page, `${tmpPath}/readiness.ipynb`);
  await page.notebook.selectCells(2);
  await runFromPalette(page, 'Promote Cells to Module…');
  const input = page.locator('.jp-Dialog input');
  // the test folder is not a package name: the default is at the root
  await expect(input).toHaveValue('readiness.py');
  const module = testInfo.retry ? `geometry_${testInfo.retry}` : 'geometry';
  const dialog = await previewPromotion(page, `${module}.py`);
  await expect(dialog.locator('.jp-ProdPromote-diff').first()).toContainText(
    'area = math.pi'
  );
  await dialog
    .locator('.jp-Dialog-content')
    .screenshot({ path: path.join(SCREENSHOTS, 'promote.png') });
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect
    .poll(async () => (await cellSources(page))[2])
    .toBe(`from ${module} import area\nprint(area)`);
  expect(await page.contents.fileExists(`${module}.py`)).toBe(true);
  await page.contents.deleteFile(`${module}.py`);
});
