import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import {
  clickPromote,
  codeNotebook,
  commitFromPanel,
  git,
  openSection,
  promoteFromContextMenu,
  ROOT,
  titleCell,
  uploadAndOpen
} from './helpers';

/**
 * A new user's journeys through the panel and the dialogs, each a defect
 * found by trying the product on notebooks that are not the demo: what the
 * user does (clicks, typing), and what must then be on screen and on disk.
 */

const TITLE = [titleCell('# Journey\n\nA notebook of the journeys spec.')];

test('commits what was typed after the panel read the git status', async ({
  page,
  tmpPath
}, testInfo) => {
  const name = `typed-${testInfo.retry}.ipynb`;
  const notebook = `${tmpPath}/${name}`;
  await uploadAndOpen(page, tmpPath, name, codeNotebook(['x = 1'], TITLE));
  git('add', notebook);
  git('commit', '-q', '-m', 'Add the notebook', '--', notebook);

  // the saved notebook is committed: the panel lists it unchanged, not ticked
  const panel = await openSection(page, 'commit');
  const file = panel.locator(`.jp-ProdCommit-file[data-path="${notebook}"]`);
  await expect(file).toHaveAttribute('data-state', 'clean');
  await expect(file.locator('input[type="checkbox"]')).not.toBeChecked();

  // then the user types in the cell (not saved) and commits
  await (await page.notebook.getCellLocator(1))!.locator('.cm-content').click();
  await page.keyboard.press('End');
  await page.keyboard.type('\nprint(x)');
  // Commit saves first, and commits the saved edit (not "Nothing to commit")
  await commitFromPanel(page, 'Print x');
  await expect(panel.locator('.jp-ProdCommit-failure')).toHaveCount(0);
  expect(git('log', '-1', '--format=%s', '--', notebook).trim()).toBe(
    'Print x'
  );
  const committed = JSON.parse(git('show', `HEAD:${notebook}`));
  expect([committed.cells[1].source].flat().join('')).toBe('x = 1\nprint(x)');
});

test('a cell that does not parse: the preview says so and offers nothing else', async ({
  page,
  tmpPath
}) => {
  await uploadAndOpen(
    page,
    tmpPath,
    'broken.ipynb',
    codeNotebook(['def broken(:\n    pass', 'x = 1'])
  );
  const dialog = await promoteFromContextMenu(page, 0, 'broken_module.py');
  await expect(dialog.locator('.jp-ProdPromote-problems')).toContainText(
    'does not parse'
  );
  // one problem, no choice of definitions or function, and only Close
  await expect(dialog.locator('.jp-ProdPromote-problems li')).toHaveCount(1);
  await expect(dialog.locator('input[type="radio"]')).toHaveCount(0);
  await expect(dialog.getByRole('button', { name: 'Promote' })).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);
  expect(fs.existsSync(path.join(ROOT, 'broken_module.py'))).toBe(false);
});

test('a module that already defines the name: Force previews the replacement, then promotes', async ({
  page,
  tmpPath
}, testInfo) => {
  const module = `taken_${testInfo.retry}`;
  const file = path.join(ROOT, `${module}.py`);
  fs.writeFileSync(
    file,
    '"""Written by hand."""\n\n\ndef existing() -> int:\n    return 1\n'
  );
  await uploadAndOpen(
    page,
    tmpPath,
    'taken.ipynb',
    codeNotebook(['def existing() -> int:\n    return 2', 'print(existing())'])
  );
  const dialog = await promoteFromContextMenu(page, 0, `${module}.py`);
  await expect(dialog.locator('.jp-ProdPromote-problems')).toContainText(
    'already defines existing'
  );
  // the message says "force the promotion": the dialog offers it
  await dialog.getByRole('button', { name: 'Force' }).click();
  await expect(dialog.locator('.jp-ProdPromote-diff').first()).toContainText(
    '+    return 2'
  );
  expect(fs.readFileSync(file, 'utf-8')).toContain('return 1');
  await dialog.getByRole('button', { name: 'Promote' }).click();

  await expect.poll(() => fs.readFileSync(file, 'utf-8')).toContain('return 2');
  expect(fs.readFileSync(file, 'utf-8')).not.toContain('return 1');
  await expect(
    (await page.notebook.getCellLocator(0))!.locator('.cm-content')
  ).toHaveText(`from ${module} import existing`);
  fs.rmSync(file, { force: true });
});

test('renaming the notebook with the panel open re-checks it under its new name', async ({
  page,
  tmpPath
}) => {
  await uploadAndOpen(
    page,
    tmpPath,
    'report.ipynb',
    codeNotebook(['x = 1'], TITLE)
  );
  const panel = await openSection(page, 'commit');
  await expect(
    panel.locator(`.jp-ProdCommit-file[data-path="${tmpPath}/report.ipynb"]`)
  ).toBeVisible();

  await page.menu.clickMenuItem('File>Rename Notebook…');
  const input = page.locator('.jp-Dialog input');
  await input.fill('Final Report.ipynb');
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Rename' })
    .click();

  // the commit section lists the file under its new path
  await expect(
    panel.locator(
      `.jp-ProdCommit-file[data-path="${tmpPath}/Final Report.ipynb"]`
    )
  ).toBeVisible();
  // the findings are those of the new name (a space in it), under that name
  await panel.locator('.jp-ProdPanel-tab[data-section="findings"]').click();
  await expect(panel.locator('.jp-ProdPanel-path')).toHaveText(
    'Final Report.ipynb'
  );
  await expect(
    panel.locator('.jp-ProdPanel-finding[data-check="non-portable-name"]')
  ).toContainText('Final Report.ipynb');
});

/**
 * A notebook committed from the panel under the name `old` (with a cell of its own: git tells renames
 * by content), left open unless `open` is false, and a staged file of the user's beside it.
 */
async function committedDraft(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  old: string,
  open = true
) {
  const notebook = codeNotebook([`draft = ${JSON.stringify(old)}`], TITLE);
  await uploadAndOpen(page, tmpPath, path.basename(old), notebook);
  await commitFromPanel(page, 'Add the draft');
  if (!open) {
    await closeCurrentTab(page, path.basename(old));
  }
  // the user's own change elsewhere, which the commit must leave alone
  fs.writeFileSync(path.join(ROOT, tmpPath, 'notes.txt'), 'notes\n');
  git('add', `${tmpPath}/notes.txt`);
}

/**
 * File > Close Tab; when the kernel's start marked the notebook changed since the commit (its
 * language_info), JupyterLab asks to save it: Discard.
 */
async function closeCurrentTab(page: IJupyterLabPageFixture, name: string) {
  await page.menu.clickMenuItem('File>Close Tab');
  const tab = page.locator('.lm-TabBar-tab', { hasText: name });
  const discard = page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Discard' });
  await expect(async () => {
    if (await discard.isVisible()) {
      await discard.click();
    }
    await expect(tab).toHaveCount(0, { timeout: 1000 });
  }).toPass({ timeout: 20000 });
}

/** Commit from the panel after the rename `old` -> `renamed`; git must hold the rename and nothing else. */
async function commitRename(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  old: string,
  renamed: string
) {
  const panel = await openSection(page, 'commit');
  const row = panel.locator(`.jp-ProdCommit-file[data-path="${renamed}"]`);
  await expect(row).toBeVisible();
  // the preview says what the commit records: the old name's removal with the new name
  await expect(row.locator('.jp-ProdCommit-renamed')).toHaveText(
    `Renamed from ${old} (its removal is committed too)`
  );
  // the line belongs to the file's box and follows it: unticked, nothing of the rename is committed
  const box = row.getByRole('checkbox');
  await expect(box).toHaveAccessibleDescription(
    `Renamed from ${old} (its removal is committed too)`
  );
  await box.uncheck();
  await expect(row.locator('.jp-ProdCommit-renamed')).toHaveText(
    `Renamed from ${old} (tick the file to commit the rename; neither name is committed now)`
  );
  await box.check();
  await expect(row.locator('.jp-ProdCommit-renamed')).toHaveText(
    `Renamed from ${old} (its removal is committed too)`
  );
  await commitFromPanel(page, 'Rename the draft');
  // the notification names the rename, as the file's row did
  await expect(
    page.locator('.Toastify__toast', {
      hasText: `: Rename the draft (renamed from ${old})`
    })
  ).toBeVisible();

  // the commit removes the old name and adds the new one: git records the rename; nothing is left uncommitted
  const changes = git('show', '-M', '--name-status', '--format=', 'HEAD');
  expect(changes.trim().split('\n')).toEqual([
    expect.stringMatching(/^R\d+\t/)
  ]);
  expect(changes.trim().split('\t').slice(1)).toEqual([old, renamed]);
  expect(git('status', '--porcelain', '--', old)).toBe('');
  await expect(row.locator('.jp-ProdCommit-renamed')).toHaveCount(0);
  // the user's staged file stays staged and out of the commit
  expect(git('status', '--porcelain', '--', `${tmpPath}/notes.txt`)).toBe(
    `A  ${tmpPath}/notes.txt\n`
  );
}

test('a commit after renaming the notebook records the rename, not a deletion left behind', async ({
  page,
  tmpPath
}, testInfo) => {
  const old = `${tmpPath}/draft-${testInfo.retry}.ipynb`;
  const renamed = `${tmpPath}/final-${testInfo.retry}.ipynb`;
  await committedDraft(page, tmpPath, old);

  // right-click the notebook's tab, Rename Notebook…
  await page
    .locator('.jp-mod-current.lm-TabBar-tab', {
      hasText: path.basename(old)
    })
    .click({ button: 'right' });
  await page
    .locator('.lm-Menu')
    .getByText('Rename Notebook…', { exact: true })
    .click();
  await page.locator('.jp-Dialog input').fill(path.basename(renamed));
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Rename' })
    .click();

  await commitRename(page, tmpPath, old, renamed);
});

test('a commit after renaming the open notebook in the file browser records the rename', async ({
  page,
  tmpPath
}, testInfo) => {
  const old = `${tmpPath}/sketch-${testInfo.retry}.ipynb`;
  const renamed = `${tmpPath}/study-${testInfo.retry}.ipynb`;
  await committedDraft(page, tmpPath, old);

  await renameInFileBrowser(page, old, renamed);
  await expectCurrentTab(page, renamed);

  await commitRename(page, tmpPath, old, renamed);
});

/** The notebook at `notebookPath` is the current tab. */
async function expectCurrentTab(
  page: IJupyterLabPageFixture,
  notebookPath: string
) {
  await expect(
    page.locator('.jp-mod-current.lm-TabBar-tab', {
      hasText: path.basename(notebookPath)
    })
  ).toBeVisible();
}

/** Rename `old` to `renamed` in the file browser: right-click it, Rename, type the new name, Enter. */
async function renameInFileBrowser(
  page: IJupyterLabPageFixture,
  old: string,
  renamed: string
) {
  // the file browser's tab in the left sidebar (our panel may be shown there)
  await page.sidebar.openTab('filebrowser');
  await page
    .locator('.jp-DirListing-item', { hasText: path.basename(old) })
    .click({ button: 'right' });
  await page.locator('.lm-Menu').getByText('Rename', { exact: true }).click();
  const editor = page.locator('.jp-DirListing-editor');
  await editor.fill(path.basename(renamed));
  await editor.press('Enter');
  await expect(
    page.locator('.jp-DirListing-item', { hasText: path.basename(renamed) })
  ).toBeVisible();
}

test('a commit after renaming a closed notebook in the file browser records the rename', async ({
  page,
  tmpPath
}, testInfo) => {
  const old = `${tmpPath}/closed-${testInfo.retry}.ipynb`;
  const renamed = `${tmpPath}/opened-${testInfo.retry}.ipynb`;
  await committedDraft(page, tmpPath, old, false);

  // renamed while no tab shows it, then opened from the file browser (double-click)
  await renameInFileBrowser(page, old, renamed);
  await page.filebrowser.open(renamed);
  await expectCurrentTab(page, renamed);

  await commitRename(page, tmpPath, old, renamed);
});

test('a commit after renaming the notebook and reloading the page records the rename', async ({
  page,
  tmpPath
}, testInfo) => {
  const old = `${tmpPath}/before-${testInfo.retry}.ipynb`;
  const renamed = `${tmpPath}/after-${testInfo.retry}.ipynb`;
  await committedDraft(page, tmpPath, old);
  await page.menu.clickMenuItem('File>Rename Notebook…');
  await page.locator('.jp-Dialog input').fill(path.basename(renamed));
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Rename' })
    .click();
  await expectCurrentTab(page, renamed);

  // a reload: the page no longer knows the notebook was renamed; JupyterLab reopens it
  // (galata's reload would wait for the Launcher, which a restored notebook hides)
  const noLauncher = { waitForIsReady: false };
  await page.reload(noLauncher as Parameters<typeof page.reload>[0]);
  await page
    .locator('#jp-main-dock-panel .lm-TabBar-tab', {
      hasText: path.basename(renamed)
    })
    .click();

  await commitRename(page, tmpPath, old, renamed);
});

test('a commit after moving a closed notebook to another folder in the file browser records the move', async ({
  page,
  tmpPath
}, testInfo) => {
  const old = `${tmpPath}/sketch-${testInfo.retry}.ipynb`;
  const folder = `${tmpPath}/final-${testInfo.retry}`;
  const moved = `${folder}/${path.basename(old)}`;
  await committedDraft(page, tmpPath, old, false);
  fs.mkdirSync(path.join(ROOT, folder), { recursive: true });

  // right-click the notebook, Cut; into the folder; right-click its empty listing, Paste
  await page.sidebar.openTab('filebrowser');
  await page.filebrowser.refresh();
  await page
    .locator('.jp-DirListing-item', { hasText: path.basename(old) })
    .click({ button: 'right' });
  await page.locator('.lm-Menu').getByText('Cut', { exact: true }).click();
  await page.filebrowser.openDirectory(folder);
  await page
    .locator('.jp-DirListing-content')
    .click({ button: 'right', position: { x: 40, y: 120 } });
  await page.locator('.lm-Menu').getByText('Paste', { exact: true }).click();
  await expect(
    page.locator('.jp-DirListing-item', { hasText: path.basename(moved) })
  ).toBeVisible();
  await page.filebrowser.open(moved);
  await expectCurrentTab(page, moved);

  await commitRename(page, tmpPath, old, moved);
});

test('Promote to Module type-checks the notebook while the module path is asked', async ({
  page,
  tmpPath
}, testInfo) => {
  const module = `warm_${testInfo.retry}`;
  await uploadAndOpen(
    page,
    tmpPath,
    'warm.ipynb',
    codeNotebook([
      'import json\n\n\ndef dump(value: int) -> int:\n    return json.dumps(value)',
      'print(dump(1))'
    ])
  );
  const panel = await openSection(page, 'findings');
  const typeErrors = panel.locator(
    '.jp-ProdPanel-finding[data-check="type-error"]'
  );
  // opening the notebook runs the fast checks only: no type check yet
  await expect(panel.locator('.jp-ProdPanel-status')).toContainText('finding');
  await expect(typeErrors).toHaveCount(0);

  await clickPromote(page, 0);
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog.locator('input')).toBeVisible();
  // while the user gives the path, the notebook is type-checked (mypy's daemon warms up for the preview)
  await expect(typeErrors).toHaveCount(1);
  await expect(typeErrors.first()).toHaveAttribute('data-cell', '0');

  await dialog.locator('input').fill(`${module}.py`);
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await expect(dialog.locator('.jp-ProdPromote-typecheck')).toHaveText(
    'mypy: 1 error.'
  );
  // which error, and the cell line it comes from
  await expect(dialog.locator('.jp-ProdPromote-typeErrors li')).toHaveCount(1);
  await expect(dialog.locator('.jp-ProdPromote-typeErrors')).toContainText(
    '(cell 1, line 5): Incompatible return value type'
  );
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  expect(fs.existsSync(path.join(ROOT, `${module}.py`))).toBe(false);
});

test('a finding far down a long notebook: a click reaches its cell, which shows its badge', async ({
  page,
  tmpPath
}) => {
  // JupyterLab renders the cells out of view lazily, a few at a time: the last
  // one is not rendered yet when the report arrives, nor when the user clicks
  const sources = Array.from({ length: 600 }, (_, i) => `x${i} = ${i}`);
  sources.push('print(undefined_at_the_end)');
  await uploadAndOpen(page, tmpPath, 'long.ipynb', codeNotebook(sources));
  const panel = await openSection(page, 'findings');
  const finding = panel.locator(
    '.jp-ProdPanel-finding[data-check="undefined-name"]'
  );
  await expect(finding).toContainText('undefined_at_the_end');

  await finding.locator('.jp-ProdPanel-findingMain').click();
  const cell = page.locator(
    '.jp-Notebook .jp-Cell[data-windowed-list-index="600"]'
  );
  await expect(cell).toBeInViewport({ timeout: 60000 });
  const badge = cell.locator('.jp-ProdCellBadge');
  await expect(badge).toBeVisible();
  await expect(badge).toHaveAttribute('title', /undefined_at_the_end/);
});

test('a clean run of a notebook that asks for input says so, with what to do', async ({
  page,
  tmpPath
}) => {
  await uploadAndOpen(
    page,
    tmpPath,
    'asks.ipynb',
    codeNotebook(['x = 1', "name = input('Your name? ')\nprint(name)"], TITLE)
  );
  const panel = await openSection(page, 'run');
  await panel.getByRole('button', { name: 'Run in Clean Kernel' }).click();
  const finding = panel.locator(
    '.jp-ProdRun-findings .jp-ProdPanel-finding[data-check="run-error"]'
  );
  await expect(finding).toContainText('Asks for input', { timeout: 60000 });
  await expect(finding).toContainText('Cell 3, line 1');
  await expect(finding).toContainText('environment variable');
  await expect(finding).not.toContainText('reproduce it');
});
