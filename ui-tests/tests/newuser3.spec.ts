import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import {
  applyPromotion,
  cellSources,
  clickPromote,
  codeNotebook,
  previewPromotion,
  ROOT,
  runFromPalette,
  titleCell,
  uploadAndOpen
} from './helpers';

/**
 * What a new user met promoting real notebooks (rasbt/LLMs-from-scratch's dataloader) piece by
 * piece into their package.
 */

const TITLE = [titleCell('# Shapes\n\nTwo functions, promoted one at a time.')];

test('a second promotion from a notebook proposes the module its first one went to', async ({
  page,
  tmpPath
}) => {
  const module = `nu3_shapes_${Date.now()}.py`;
  const name = path.basename(module, '.py');
  await uploadAndOpen(
    page,
    tmpPath,
    'shapes.ipynb',
    codeNotebook(
      [
        'def area(r):\n    return 3 * r * r',
        'def perimeter(r):\n    return 6 * r',
        'print(area(1), perimeter(1))'
      ],
      TITLE
    )
  );
  // the first function goes where the user types
  await clickPromote(page, 1);
  await previewPromotion(page, module);
  await applyPromotion(page, 1, `from ${name} import area`);

  // the second: the dialog proposes the same module (it proposed one beside the notebook)
  await clickPromote(page, 2);
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('input')).toHaveValue(module);
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await expect(dialog.locator('.jp-ProdPromote-slice')).toContainText(
    `Moves to ${module}: perimeter`
  );
  // while the server writes and type-checks the module, a line says so (the dialog has closed and
  // nothing else on screen moves for seconds), until the promotion is done
  await dialog.getByRole('button', { name: 'Promote' }).click();
  const pending = page.locator('.Toastify__toast', {
    hasText: `Promoting to ${module}…`
  });
  await expect(pending).toBeVisible();
  // the notebook imports it (with area, from the same module) in place of the definition
  await expect
    .poll(async () => (await cellSources(page)).join('\n'))
    .not.toContain('def perimeter');
  await expect(
    page.locator('.Toastify__toast', {
      hasText: `Promoted perimeter to ${module}.`
    })
  ).toBeVisible();
  await expect(pending).toHaveCount(0);
  const written = fs.readFileSync(path.join(ROOT, module), 'utf-8');
  expect(written).toContain('def area(r):');
  expect(written).toContain('def perimeter(r):');
  expect((await cellSources(page)).join('\n')).toMatch(
    new RegExp(`from ${name} import .*perimeter`)
  );
});

test('Promote is in the command palette while the markdown title is the active cell', async ({
  page,
  tmpPath
}) => {
  await uploadAndOpen(
    page,
    tmpPath,
    'titled.ipynb',
    codeNotebook(['def area(r):\n    return 3 * r * r'], TITLE)
  );
  // the notebook opens on its first cell, the title: Promote is listed, and says what it needs
  await page.notebook.selectCells(0);
  await runFromPalette(page, 'Promote Cells to Module…');
  await expect(
    page.locator('.Toastify__toast', {
      hasText: 'Select the code cells to promote'
    })
  ).toBeVisible();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  // with a code cell selected, the same entry opens the dialog
  await page.notebook.selectCells(1);
  await runFromPalette(page, 'Promote Cells to Module…');
  await expect(page.locator('.jp-Dialog input')).toBeVisible();
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Cancel' })
    .click();
});
