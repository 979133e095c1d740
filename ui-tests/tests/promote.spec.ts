import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import {
  clickPromote,
  expectNoFileChanged,
  cellSources,
  codeNotebook,
  promoteFromContextMenu,
  ROOT,
  uploadAndOpen,
  withModule
} from './helpers';

/**
 * Promote to Module as a person uses it: the right-click menu of a cell, the
 * preview dialog's choices and buttons, and what is then in the notebook and
 * on disk.
 */

/** A notebook whose first cell defines `twice`, which its second uses. */
const TWICE = codeNotebook([
  'def twice(x: int) -> int:\n    return 2 * x',
  'twice(2)'
]);

/** Right-click the current notebook's first cell, Promote to Module… into `modulePath`: the preview of `twice`. */
async function previewTwice(page: IJupyterLabPageFixture, modulePath: string) {
  const dialog = await promoteFromContextMenu(page, 0, modulePath);
  await expect(dialog.locator('.jp-ProdPromote-diff').first()).toContainText(
    'def twice('
  );
  return dialog;
}

test('a cell without definitions: the preview opens on a function of it, the definitions only disabled; its shown value stays', async ({
  page,
  tmpPath
}, testInfo) => {
  await withModule(testInfo, 'statements', (module, file) =>
    promoteStatements(page, tmpPath, module, file)
  );
});

/** Promote a cell of statements only: the dialog opens on a function of it, promoted into `file`. */
async function promoteStatements(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  module: string,
  file: string
) {
  await uploadAndOpen(
    page,
    tmpPath,
    'statements.ipynb',
    codeNotebook(['import math', 'print(math.pi)\nmath.tau'])
  );
  const dialog = await promoteFromContextMenu(page, 1, `${module}.py`);

  // the dialog opens on the choice that can be promoted: a function of the cell, named by the
  // number the notebook shows for it (Cell 2), not its index
  const offer = dialog.locator('.jp-ProdPromote-asFunction');
  await expect(offer.locator('legend')).toHaveText(
    'The selected cells hold statements only:'
  );
  const definitions = offer.getByRole('radio', {
    name: /Promote the definitions only/
  });
  const asFunction = offer.getByRole('radio', {
    name: /Make a function of the cells/
  });
  await expect(asFunction).toBeChecked();
  await expect(definitions).toBeDisabled();
  await expect(definitions).not.toBeChecked();
  await expect(
    offer.getByRole('textbox', { name: /Function name/ })
  ).toHaveValue('cell_2');
  await expect(dialog.locator('.jp-ProdPromote-diff').first()).toContainText(
    'def cell_2('
  );
  await expect(dialog.locator('.jp-ProdPromote-problems')).toHaveCount(0);
  const promote = dialog.getByRole('button', { name: 'Promote' });
  await expect(promote).toBeEnabled();
  // the cell's last line showed a value: the function returns it and the call, last, shows it again
  await expect(dialog.locator('.jp-ProdPromote-diff').first()).toContainText(
    '+    return math.tau'
  );
  await promote.click();
  await expect(dialog).toHaveCount(0);
  await expect.poll(() => fs.existsSync(file)).toBe(true);
  expect(fs.readFileSync(file, 'utf-8')).toContain('    return math.tau\n');
  await expect
    .poll(async () => (await cellSources(page)).join('\n---\n'))
    .toMatch(/cell_2\(\)$/);
}

test('another open module of the same name with unsaved edits is not taken for the target', async ({
  page,
  tmpPath
}, testInfo) => {
  const pkg = `samename_${testInfo.retry}`;
  // the target, pkg/utils.py from the project root (the server root), is written by the promotion
  const target = path.join(ROOT, pkg);
  // the user's other utils.py, in the notebook's folder: <tmpPath>/pkg/utils.py
  const other = `${tmpPath}/${pkg}/utils.py`;
  fs.mkdirSync(path.join(ROOT, tmpPath, pkg), { recursive: true });
  fs.writeFileSync(path.join(ROOT, other), 'VALUE = 1\n');
  try {
    await promoteBesideEditedModule(page, tmpPath, pkg, other);
  } finally {
    fs.rmSync(target, { recursive: true, force: true });
  }
});

/** Edit `other` (left unsaved), then promote a cell of the notebook into `<pkg>/utils.py` of the project. */
async function promoteBesideEditedModule(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  pkg: string,
  other: string
) {
  await uploadAndOpen(page, tmpPath, 'samename.ipynb', TWICE);
  // the file browser: open the other utils.py, type a line (not saved)
  await page.filebrowser.open(other);
  const editorTab = page.locator('.lm-TabBar-tab', { hasText: 'utils.py' });
  await expect(editorTab).toHaveClass(/jp-mod-current/);
  await page.locator('.jp-FileEditor .cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('MINE = 2\n');
  await expect(editorTab).toHaveClass(/jp-mod-dirty/);

  // back to the notebook: Promote to Module… into pkg/utils.py goes straight to the preview
  await page.locator('.lm-TabBar-tab', { hasText: 'samename.ipynb' }).click();
  const dialog = await previewTwice(page, `${pkg}/utils.py`);
  await expect(
    page.locator('.jp-Dialog-header', { hasText: 'Unsaved changes in' })
  ).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(dialog).toHaveCount(0);
  await expect
    .poll(() => fs.existsSync(path.join(ROOT, pkg, 'utils.py')))
    .toBe(true);

  // the other utils.py: its unsaved edit still in its editor, the file on disk as it was
  await expect(editorTab).toHaveClass(/jp-mod-dirty/);
  await expect(page.locator('.jp-FileEditor .cm-content')).toContainText(
    'MINE = 2'
  );
  expect(fs.readFileSync(path.join(ROOT, other), 'utf-8')).toBe('VALUE = 1\n');
}

test('Promote saves the notebook with its edits (the module is on disk already), and z takes them back', async ({
  page,
  tmpPath
}, testInfo) => {
  await withModule(testInfo, 'saved', async (module, file) => {
    const tab = await promoteTwice(page, tmpPath, 'saved.ipynb', module);
    // saved: closing the browser now leaves the code in the module only
    await expect(tab).not.toHaveClass(/jp-mod-dirty/);
    await expect
      .poll(() => savedSources(path.join(ROOT, tmpPath, 'saved.ipynb'))[0])
      .toContain(`from ${module} import twice`);
    expect(fs.readFileSync(file, 'utf-8')).toContain('def twice(');
    await expect(
      page.locator('.Toastify__toast', { hasText: `to ${module}.py.` })
    ).toBeVisible();

    // the promotion stays undoable: z in command mode gives the cell back
    await (await page.notebook.getCellLocator(1))!
      .locator('.jp-InputPrompt')
      .click();
    await page.keyboard.press('z');
    await expect
      .poll(async () => (await cellSources(page))[0])
      .toContain('def twice(');
    await expect(tab).toHaveClass(/jp-mod-dirty/);
  });
});

test('Ctrl+S pressed while Promote saves the notebook: no "File Changed", and the file holds the import', async ({
  page,
  tmpPath
}, testInfo) => {
  const module = `quicksave_${testInfo.retry}`;
  const file = path.join(ROOT, `${module}.py`);
  const name = 'quicksave.ipynb';
  try {
    await uploadAndOpen(
      page,
      tmpPath,
      name,
      codeNotebook(['def twice(x: int) -> int:\n    return 2 * x', 'twice(2)'])
    );
    // the server answers this notebook's saves a second after writing it (a slow disk, a big
    // notebook): a save started meanwhile finds the file changed under it
    fs.writeFileSync(path.join(ROOT, tmpPath, `${name}.slow-save`), '');
    const dialog = await promoteFromContextMenu(page, 0, `${module}.py`);
    await expect(dialog.locator('.jp-ProdPromote-diff').first()).toContainText(
      'def twice('
    );
    await dialog.getByRole('button', { name: 'Promote' }).click();
    await expect(dialog).toHaveCount(0);
    // while it works, a notification says so
    await expect(
      page.locator('.Toastify__toast', {
        hasText: `Promoting to ${module}.py…`
      })
    ).toBeVisible();
    // the import is in: Promote's save is in flight, and the person presses Ctrl+S
    await expect(
      page.locator('.jp-NotebookPanel .jp-Cell').first()
    ).toContainText(`from ${module} import twice`);
    await page.keyboard.press('Control+s');
    await expectSavedQuietly(page, name, module);
  } finally {
    fs.rmSync(file, { force: true });
  }
});

/**
 * After a Ctrl+S that met Promote's save: the promotion said done, no "File
 * Changed" dialog (held a moment: it comes when the second save's look at the
 * file answers), and the notebook reopened from the file browser starts with
 * the import.
 */
async function expectSavedQuietly(
  page: IJupyterLabPageFixture,
  name: string,
  module: string
) {
  await expect(
    page.locator('.Toastify__toast', {
      hasText: `Promoted twice to ${module}.py.`
    })
  ).toBeVisible();
  const tab = page.locator('.lm-TabBar-tab', { hasText: name });
  await expect(tab).not.toHaveClass(/jp-mod-dirty/);
  await expectNoFileChanged(page);
  await tab.locator('.lm-TabBar-tabCloseIcon').click();
  await expect(tab).toHaveCount(0);
  await page
    .locator('.jp-DirListing-item')
    .filter({ has: page.getByText(name, { exact: true }) })
    .dblclick();
  await expect(
    page.locator('.jp-NotebookPanel .jp-Cell').first()
  ).toContainText(`from ${module} import twice`);
}

test('a save refused after Promote is said in one line; the notebook stays unsaved', async ({
  page,
  tmpPath
}, testInfo) => {
  const notebook = path.join(ROOT, tmpPath, 'refused.ipynb');
  await withModule(testInfo, 'unsaved', async (module, file) => {
    const tab = await promoteTwice(page, tmpPath, 'refused.ipynb', module, () =>
      // the disk refuses the notebook's next save (ui-tests/jupyter_server_test_config.py)
      fs.writeFileSync(`${notebook}.refuse-save`, '')
    );
    // JupyterLab's own dialog gives the server's reason, in one line, no traceback
    const error = page.locator('.jp-Dialog', {
      hasText: 'File Save Error for refused.ipynb'
    });
    const body = error.locator('.jp-Dialog-body');
    await expect(body).toContainText(
      'No space left on the device: the file was not saved.'
    );
    expect(await body.innerText()).not.toMatch(/\n|Traceback/);
    await error.getByRole('button', { name: 'Close' }).click();
    await expect(error).toHaveCount(0);
    // the promotion is done, and one line says the notebook is not saved
    expect(fs.readFileSync(file, 'utf-8')).toContain('def twice(');
    const warnings = page.locator('.Toastify__toast', {
      hasText: 'but the notebook was not saved'
    });
    await expect(warnings).toHaveCount(1);
    await expect(warnings).toContainText(
      `Promoted twice to ${module}.py, but the notebook was not saved: save it, or its cells keep the promoted code on disk.`
    );
    await expect(tab).toHaveClass(/jp-mod-dirty/);
    expect(savedSources(notebook)[0]).toContain('def twice(');
  });
});

test('Promote says it saves the changes made before it, and refuses a read-only notebook before writing', async ({
  page,
  tmpPath
}, testInfo) => {
  const module = `readonly_${testInfo.retry}`;
  // freshly opened: the kernel starting wrote its language into the metadata (the notebook is
  // dirty), but no cell changed: the preview says nothing of unsaved changes
  await uploadAndOpen(page, tmpPath, 'edited.ipynb', TWICE);
  const tab = page.locator('.lm-TabBar-tab', { hasText: 'edited.ipynb' });
  await expect(page.locator('#jp-main-statusbar')).toContainText('Idle');
  await expect(tab).toHaveClass(/jp-mod-dirty/);
  let dialog = await previewTwice(page, `${module}.py`);
  await expect(dialog.locator('.jp-ProdPromote-savesUnsaved')).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  // a cell changed and not saved yet: the preview says Promote saves it too, and which
  await (await page.notebook.getCellLocator(1))!.locator('.cm-content').click();
  await page.keyboard.type('  # edited');
  await page.keyboard.press('Escape');
  dialog = await promoteFromContextMenu(page, 0, `${module}.py`);
  await expect(dialog.locator('.jp-ProdPromote-savesUnsaved')).toHaveText(
    'Promote saves the notebook, with its edits and your unsaved changes (cell 2 edited).'
  );
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);

  // a notebook that cannot be saved: one line, before the module path is asked or anything written
  const notebook = path.join(ROOT, tmpPath, 'locked.ipynb');
  fs.mkdirSync(path.dirname(notebook), { recursive: true });
  fs.writeFileSync(
    path.join(path.dirname(notebook), '.locked.ipynb.read-only'),
    ''
  );
  await uploadAndOpen(page, tmpPath, 'locked.ipynb', TWICE);
  await clickPromote(page, 0);
  await expect(
    page.locator('.Toastify__toast', { hasText: "can't be saved" })
  ).toContainText(
    "locked.ipynb can't be saved (read-only), and Promote saves it: make it writable, or Save Notebook As… and promote the copy."
  );
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  expect(fs.existsSync(path.join(ROOT, `${module}.py`))).toBe(false);
  expect(savedSources(notebook)[0]).toContain('def twice(');
});

/**
 * Open a notebook defining `twice` and using it, then (after `before`) promote its first cell
 * into `<module>.py`; the notebook's tab.
 */
async function promoteTwice(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string,
  module: string,
  before: () => void = () => undefined
) {
  await uploadAndOpen(page, tmpPath, name, TWICE);
  const tab = page.locator('.lm-TabBar-tab', { hasText: name });
  before();
  const dialog = await previewTwice(page, `${module}.py`);
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(dialog.locator('.jp-ProdPromote-body')).toHaveCount(0);
  await expect
    .poll(() => fs.existsSync(path.join(ROOT, `${module}.py`)))
    .toBe(true);
  return tab;
}

/** The code cells' sources of the notebook file on disk. */
function savedSources(file: string): string[] {
  const notebook = JSON.parse(fs.readFileSync(file, 'utf-8')) as {
    cells: { cell_type: string; source: string | string[] }[];
  };
  return notebook.cells
    .filter(cell => cell.cell_type === 'code')
    .map(cell =>
      Array.isArray(cell.source) ? cell.source.join('') : cell.source
    );
}
