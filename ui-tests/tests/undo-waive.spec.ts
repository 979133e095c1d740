import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import {
  addHiddenCheck,
  codeNotebook,
  openOneFinding,
  openSection,
  promoteFromContextMenu,
  ROOT,
  titleCell,
  UNFORMATTED,
  UNUSED_IMPORT,
  uploadAndOpen
} from './helpers';

/**
 * Taking things back, as a new user does: a one-click Fix undone with Ctrl+Z
 * in its cell, a waiver taken back from the panel (also after a reload), a
 * slow check's waiver kept through edits, a module edited in JupyterLab's
 * editor and not saved when a promotion writes it, a Commit button that says
 * why it is disabled, and a check hidden in the Settings Editor.
 */

const TITLE = [titleCell('# Undo\n\nA notebook of the undo-waive spec.')];

test('Ctrl+Z in the cell takes back a one-click Fix, Ctrl+Shift+Z applies it again', async ({
  page,
  tmpPath
}) => {
  const { finding: black } = await openOneFinding(
    page,
    tmpPath,
    'undo-fix.ipynb',
    UNFORMATTED
  );
  const fix = black.locator('.jp-mod-fix');
  await expect(fix).toBeEnabled();
  await fix.click();
  const editor = (await page.notebook.getCellLocator(1))!.locator(
    '.cm-content'
  );
  await expect(editor).toHaveText('x = 1');

  await editor.click();
  await page.keyboard.press('Control+z');
  await expect(editor).toHaveText('x=1');
  await page.keyboard.press('Control+Shift+z');
  await expect(editor).toHaveText('x = 1');
});

test('a waived finding is listed as waived and can be un-waived, also after a reload', async ({
  page,
  tmpPath
}) => {
  const { panel, finding: active } = await openOneFinding(
    page,
    tmpPath,
    'unwaive.ipynb',
    UNUSED_IMPORT
  );
  const status = panel.locator('.jp-ProdPanel-status');
  await active.getByRole('button', { name: 'Waive' }).click();
  await expect(active).toHaveCount(0);
  await expect(status).toContainText('1 waived');

  // the waiver is in the saved notebook: it is still there after a reload
  // (saved once the kernel is up: it fills in language_info, an edit)
  await expect(page.locator('#jp-main-statusbar')).toContainText('Idle');
  await page.keyboard.press('Control+s');
  await expect
    .poll(() =>
      fs.readFileSync(path.join(ROOT, tmpPath, 'unwaive.ipynb'), 'utf-8')
    )
    .toContain('"unused-import"');
  await expect(page.locator('.jp-mod-dirty')).toHaveCount(0);
  // galata's reload takes waitForIsReady (its fixture type does not say so): not
  // waiting for the Launcher galata waits for by default, the notebook's tab comes back
  const noLauncher = { waitForIsReady: false };
  await page.reload(noLauncher as Parameters<typeof page.reload>[0]);
  // JupyterLab reopens the notebook where it was
  await page
    .locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'unwaive.ipynb' })
    .click();
  await openSection(page, 'findings');
  await expect(status).toContainText('1 waived');

  // the waived findings are folded; unfolded, each can be taken back
  const waived = panel.locator('.jp-ProdPanel-waived');
  await waived.getByRole('button', { name: /Waived/ }).click();
  const item = waived.locator(
    '.jp-ProdPanel-finding[data-check="unused-import"]'
  );
  await expect(item).toContainText("'sys' is imported but never used.");
  await item.getByRole('button', { name: 'Un-waive' }).click();
  await expect(active).toHaveCount(1);
  await expect(status).not.toContainText('waived');
  await expect(waived).toHaveCount(0);
});

test('a waived black finding stays waived while another cell is edited', async ({
  page,
  tmpPath
}) => {
  const { panel, finding: black } = await openOneFinding(
    page,
    tmpPath,
    'waive-slow.ipynb',
    UNFORMATTED
  );
  const status = panel.locator('.jp-ProdPanel-status');
  await black.getByRole('button', { name: 'Waive' }).click();
  await expect(black).toHaveCount(0);
  await expect(status).toContainText('1 waived');

  // typing elsewhere: the fast check that follows does not run black, so its waiver stays
  const editor = (await page.notebook.getCellLocator(2))!.locator(
    '.cm-content'
  );
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nprint(y)');
  await expect(
    panel.locator('.jp-ProdPanel-finding[data-check="undefined-name"]')
  ).toHaveCount(1);
  await expect(status).toContainText('1 waived');
  const waived = panel.locator('.jp-ProdPanel-waived');
  await waived.getByRole('button', { name: /Waived/ }).click();
  await expect(
    waived.locator('.jp-ProdPanel-finding[data-check="not-black-formatted"]')
  ).toHaveCount(1);
});

test('promoting into a module open with unsaved edits saves them first, then shows the promotion in its tab', async ({
  page,
  tmpPath
}, testInfo) => {
  const name = `open_module_${testInfo.retry}.py`;
  const file = path.join(ROOT, name);
  fs.writeFileSync(file, '"""Written by hand."""\n\nKEPT = 1\n');
  // the module is at the server root: removed whatever the outcome
  try {
    await uploadAndOpen(
      page,
      tmpPath,
      'open-module.ipynb',
      codeNotebook([
        'def double(v: int) -> int:\n    return v * 2',
        'double(2)'
      ])
    );
    // the module is open in JupyterLab's editor, with a line typed and not saved
    await page.filebrowser.openDirectory('/');
    await page.filebrowser.open(name);
    const editor = page.locator('.jp-FileEditor .cm-content');
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('HAND = 2\n');
    await page.notebook.activate('open-module.ipynb');

    const dialog = await promoteFromContextMenu(page, 0, name);
    await expect(dialog).toContainText(`Unsaved changes in ${name}`);
    await dialog.getByRole('button', { name: 'Save and Preview' }).click();
    await expect(dialog.locator('.jp-ProdPromote-diff').first()).toContainText(
      '+def double'
    );
    await dialog.getByRole('button', { name: 'Promote' }).click();

    // the file keeps the hand edit and gains the promotion; its tab shows it, unmodified
    await expect
      .poll(() => fs.readFileSync(file, 'utf-8'))
      .toContain('def double');
    expect(fs.readFileSync(file, 'utf-8')).toContain('HAND = 2');
    await page.locator(`.lm-TabBar-tab[title*="${name}"]`).first().click();
    await expect(editor).toContainText('def double');
    await expect(editor).toContainText('HAND = 2');
    await expect(
      page.locator(`.lm-TabBar-tab.jp-mod-dirty[title*="${name}"]`)
    ).toHaveCount(0);
  } finally {
    fs.rmSync(file, { force: true });
  }
});

test('the disabled Commit button says that a message is needed', async ({
  page,
  tmpPath
}) => {
  await uploadAndOpen(
    page,
    tmpPath,
    'message.ipynb',
    codeNotebook(['x = 1'], TITLE)
  );
  const panel = await openSection(page, 'commit');
  const commit = panel.locator('.jp-ProdCommit-commit');
  await expect(commit).toBeDisabled();
  await expect(commit).toHaveAttribute('title', 'Write a commit message first');
  await panel.locator('.jp-ProdCommit-message').fill('Add x');
  await expect(commit).toBeEnabled();
  await expect(commit).not.toHaveAttribute('title', /message/);
});

test('hiding a check in the Settings Editor updates the findings and the score at once', async ({
  page,
  tmpPath
}) => {
  const { panel, finding } = await openOneFinding(
    page,
    tmpPath,
    'hide.ipynb',
    UNUSED_IMPORT
  );
  const score = panel.locator('.jp-ProdPanel-scoreValue');
  const before = Number(await score.textContent());

  await (await addHiddenCheck(page)).fill('unused-import');

  // the panel beside the editor: the finding goes, and the score no longer counts it
  await expect(finding).toHaveCount(0);
  await expect
    .poll(async () => Number(await score.textContent()))
    .toBeGreaterThan(before);
});
