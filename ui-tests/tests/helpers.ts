import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, TestInfo } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Helpers shared by the galata specs. */

/** the Readiness panel */
export const PANEL = '[id="jupyter-prod:panel"]';
/** the test notebooks (ui-tests/notebooks), uploaded into each test's folder */
export const NOTEBOOKS = path.resolve(__dirname, '..', 'notebooks');
/** where the README's screenshots are written */
export const SCREENSHOTS = path.resolve(
  __dirname,
  '..',
  '..',
  'docs',
  'screenshots'
);

/** the server root (a git repository), set by playwright.config.js */
export const ROOT = process.env.JP_PROD_UI_ROOT as string;

/** The Python that runs the server and its kernels (ui-tests/jupyter_server_test_config.py writes it). */
export function serverPython(): string {
  return fs.readFileSync(`${ROOT}.python`, 'utf-8').trim();
}

export function git(...args: string[]): string {
  return execFileSync('git', ['-C', ROOT, ...args], {
    encoding: 'utf-8',
    timeout: 30000,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' }
  });
}

/** Select a cell, right-click it and choose Promote to Module…. */
export async function clickPromote(
  page: IJupyterLabPageFixture,
  cell: number
): Promise<void> {
  await page.notebook.selectCells(cell);
  await (await page.notebook.getCellLocator(cell))!.click({ button: 'right' });
  await page
    .locator('.lm-Menu')
    .getByText('Promote to Module…', { exact: true })
    .click();
}

/** Right-click a cell, Promote to Module…, give the module path, Preview: the preview dialog. */
export async function promoteFromContextMenu(
  page: IJupyterLabPageFixture,
  cell: number,
  modulePath: string
) {
  await clickPromote(page, cell);
  return previewPromotion(page, modulePath);
}

/** In the open Promote dialog: give the module path, press Preview; the dialog. */
export async function previewPromotion(
  page: IJupyterLabPageFixture,
  modulePath: string
) {
  const dialog = page.locator('.jp-Dialog');
  const input = dialog.locator('input');
  await expect(input).toBeVisible();
  await input.fill(modulePath);
  await dialog.getByRole('button', { name: 'Preview' }).click();
  return dialog;
}

/**
 * No "File Changed" dialog for 2 s: JupyterLab opens it when a save finds the
 * file written since the document's last save (two saves at once), a moment
 * after the second save started.
 */
export async function expectNoFileChanged(
  page: IJupyterLabPageFixture
): Promise<void> {
  const fileChanged = page.locator('.jp-Dialog', { hasText: 'File Changed' });
  for (let i = 0; i < 4; i++) {
    await expect(fileChanged).toHaveCount(0);
    await page.waitForTimeout(500);
  }
  await expect(fileChanged).toHaveCount(0);
}

/** Kernel states in which JupyterLab is still connecting the current notebook's kernel. */
const KERNEL_SETTLING =
  /Starting|Connecting|Initializing|Restarting|Reconnecting/;

/**
 * Run a command as a person does from the keyboard: wait until the current
 * notebook's kernel is up (status bar), open the command palette
 * (Ctrl+Shift+C), type the command's label, check that it is the highlighted
 * item, press Enter. Resolves once the palette has closed (not when the
 * command's work ends).
 *
 * Why the wait and the bounded steps: JupyterLab's modal palette closes as
 * soon as *any* command runs, and JupyterLab runs commands by itself when a
 * notebook's kernel comes up (the Help menu asks `helpmenu:get-kernel`, which
 * runs `notebook:get-kernel`). Right after a notebook opens, that closed the
 * palette between our focus check and typing, and `fill` then waited without
 * a timeout for the hidden input until the test's 30 s ran out. Each step
 * has its own short timeout, so a palette closed by something else is
 * opened again.
 */
export async function runFromPalette(
  page: IJupyterLabPageFixture,
  label: string
): Promise<void> {
  await expect(page.locator('#jp-main-statusbar')).not.toContainText(
    KERNEL_SETTLING
  );
  const palette = page.locator('#modal-command-palette');
  const input = palette.locator('.lm-CommandPalette-input');
  const active = palette.locator(
    '.lm-CommandPalette-item.lm-mod-active .lm-CommandPalette-itemLabel'
  );
  await expect(async () => {
    if (!(await input.isVisible())) {
      await page.keyboard.press('Control+Shift+C');
    }
    await expect(input).toBeFocused({ timeout: 2000 });
    await input.fill(label, { timeout: 2000 });
    await expect(active).toHaveText(label, { timeout: 2000 });
    await expect(input).toBeFocused({ timeout: 1000 });
  }).toPass({ timeout: 30000 });
  await input.press('Enter', { timeout: 2000 });
  await expect(input).toBeHidden();
}

/** A markdown cell opening a test notebook (a notebook's first cell is its title, not code). */
export function titleCell(
  source: string,
  id = 'title'
): Record<string, unknown> {
  return { cell_type: 'markdown', id, metadata: {}, source };
}

/** An nbformat 4.5 Python notebook of code cells, ids `cell-<i>`, preceded by `extra` cells. */
export function codeNotebook(
  sources: ReadonlyArray<string>,
  extra: Record<string, unknown>[] = []
): Record<string, unknown> {
  const cells = sources.map((source, i) => ({
    cell_type: 'code',
    id: `cell-${i}`,
    metadata: {},
    execution_count: null,
    outputs: [],
    source
  }));
  return {
    cells: [...extra, ...cells],
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
}

/** Upload a notebook into the test's folder and open it, as the file browser would. */
export async function uploadAndOpen(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string,
  notebook: Record<string, unknown>
): Promise<void> {
  await page.contents.uploadContent(
    JSON.stringify(notebook),
    'text',
    `${tmpPath}/${name}`
  );
  await page.filebrowser.openDirectory(tmpPath);
  await openNotebook(page, `${tmpPath}/${name}`);
}

/** Open the notebook at `notebookPath` (from the server root) and make it the current widget. */
export async function openNotebook(
  page: IJupyterLabPageFixture,
  notebookPath: string
): Promise<void> {
  await page.notebook.openByPath(notebookPath);
  await page.notebook.activate(path.basename(notebookPath));
}

/** Open the Readiness panel from the command palette; the panel. */
export async function openPanel(page: IJupyterLabPageFixture) {
  await runFromPalette(page, 'Open Readiness Panel');
  const panel = page.locator(PANEL);
  await expect(panel).toBeVisible();
  return panel;
}

/** Open the Readiness panel from the left sidebar, then one of its sections by its tab. */
export async function openSection(
  page: IJupyterLabPageFixture,
  section: 'findings' | 'commit' | 'run'
) {
  const panel = page.locator(PANEL);
  if (!(await panel.isVisible())) {
    await page.locator('.lm-TabBar-tab[data-id="jupyter-prod:panel"]').click();
  }
  await panel.locator(`.jp-ProdPanel-tab[data-section="${section}"]`).click();
  return panel;
}

/** Upload a notebook into the test's folder, open it and the panel on its findings; the panel. */
export async function openWithFindings(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string,
  notebook: Record<string, unknown>
) {
  await uploadAndOpen(page, tmpPath, name, notebook);
  return openSection(page, 'findings');
}

/**
 * Save the current notebook as a person does from its cells: click cell
 * `cell`, press Ctrl+S. Every check runs on the saved notebook (black, mypy
 * and git too).
 */
export async function saveFromCell(
  page: IJupyterLabPageFixture,
  cell = 1
): Promise<void> {
  await (await page.notebook.getCellLocator(cell))!.click();
  await page.keyboard.press('Control+s');
}

/**
 * A module the test promotes into, `<prefix>_<retry>` (a retry writes its
 * own), and its file at the server root: `use` them, then remove the file
 * whatever the outcome.
 */
export async function withModule(
  testInfo: TestInfo,
  prefix: string,
  use: (module: string, file: string) => Promise<void>
): Promise<void> {
  const module = `${prefix}_${testInfo.retry}`;
  const file = path.join(ROOT, `${module}.py`);
  try {
    await use(module, file);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** A test notebook with one finding the panel must list, for {@link openOneFinding}. */
export interface IOneFinding {
  notebook: Record<string, unknown>;
  /** the finding's selector in the panel */
  finding: string;
  /** save after opening (Ctrl+S): the slow checks, such as black, run on the saved notebook */
  save?: boolean;
}

/** A notebook (after a title cell) whose one code cell, cell 2, imports `sys` and never uses it. */
export const UNUSED_IMPORT: IOneFinding = {
  notebook: codeNotebook(
    ['import os\nimport sys\nprint(os.getcwd())'],
    [titleCell('# Unused import\n\nA notebook that imports sys for nothing.')]
  ),
  finding:
    '.jp-ProdPanel-groups .jp-ProdPanel-finding[data-check="unused-import"]'
};

/** A notebook (after a title cell) whose cell 1 (`x=1`) black would reformat; saved, for black to run. */
export const UNFORMATTED: IOneFinding = {
  notebook: codeNotebook(
    ['x=1', 'print(x)'],
    [titleCell('# Undo\n\nA notebook of the undo-waive spec.')]
  ),
  finding:
    '.jp-ProdPanel-finding[data-check="not-black-formatted"][data-cell="1"]',
  save: true
};

/**
 * Open `which` notebook as `name`, with the panel on its findings; the panel
 * and its one (active, not waived) finding.
 */
export async function openOneFinding(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name: string,
  which: IOneFinding
) {
  const panel = await openWithFindings(page, tmpPath, name, which.notebook);
  if (which.save) {
    await page.keyboard.press('Control+s');
  }
  const finding = panel.locator(which.finding);
  await expect(finding).toHaveCount(1);
  return { panel, finding };
}

/** In the panel's Commit section: type `message` and press Commit (what follows is the caller's to check). */
export async function pressCommit(panel: Locator, message: string) {
  await panel.locator('.jp-ProdCommit-message').fill(message);
  await panel.locator('.jp-ProdCommit-commit').click();
}

/**
 * Open the panel's Commit section, type `message`, press Commit; resolves once
 * the notification names the commit (its subject: the message's first line).
 */
export async function commitFromPanel(
  page: IJupyterLabPageFixture,
  message: string
) {
  const panel = await openSection(page, 'commit');
  await pressCommit(panel, message);
  await expect(
    page.locator('.Toastify__toast', { hasText: message.split('\n')[0] })
  ).toBeVisible();
  return panel;
}

/**
 * In the open Promote dialog: press Promote; resolves once the dialog has
 * closed and the current notebook's cell `cell` holds `imported` (the import
 * of what moved).
 */
export async function applyPromotion(
  page: IJupyterLabPageFixture,
  cell: number,
  imported: string
) {
  const dialog = page.locator('.jp-Dialog');
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(dialog).toHaveCount(0);
  await expect
    .poll(async () => (await cellSources(page))[cell])
    .toContain(imported);
}

/**
 * Open the Settings Editor on this extension's settings and add an item to
 * "Hide these checks", as a person does; the new item's input.
 */
export async function addHiddenCheck(page: IJupyterLabPageFixture) {
  await page.menu.clickMenuItem('Settings>Settings Editor');
  const settings = page.locator('.jp-SettingsPanel');
  await page
    .locator('.jp-PluginList-entry', { hasText: 'Production Readiness' })
    .click();
  // the list's title, its description and its Add item button are siblings
  await settings
    .getByText('Hide these checks', { exact: true })
    .locator('xpath=..')
    .getByRole('button', { name: 'Add item' })
    .click();
  return settings.locator('input[id$="_ignore_0"]');
}

/**
 * The current notebook (the active tab's): its cells' sources as their
 * editors show them, in order: each editor's lines joined by newlines. A cell
 * JupyterLab has not drawn yet (it draws cells out of view lazily) is
 * scrolled into view first, as a person scrolls to read it.
 */
export async function cellSources(
  page: IJupyterLabPageFixture
): Promise<string[]> {
  const notebook = await page.notebook.getNotebookInPanelLocator();
  if (!notebook) {
    return [];
  }
  const cells = notebook.locator('.jp-Cell');
  const out: string[] = [];
  const count = await cells.count();
  for (let i = 0; i < count; i++) {
    const cell = notebook.locator(`.jp-Cell[data-windowed-list-index="${i}"]`);
    const content = cell.locator('.jp-InputArea-editor .cm-content');
    if (!(await content.count())) {
      await cell.scrollIntoViewIfNeeded();
      await expect(content).toHaveCount(1);
    }
    const lines = await content.locator(':scope > .cm-line').allTextContents();
    out.push(lines.join('\n'));
  }
  return out;
}

/**
 * The current notebook's active cell as a person sees it: its position (the
 * highlighted cell), the cursor's line (0-based; the status bar's "Ln", null
 * when it shows none) and the notebook's path (the tab's tooltip).
 */
export async function activeCell(
  page: IJupyterLabPageFixture
): Promise<{ index: number; line: number | null; path: string }> {
  const notebook = await page.notebook.getNotebookInPanelLocator();
  const active = notebook!.locator('.jp-Cell.jp-mod-active');
  const index = Number(await active.getAttribute('data-windowed-list-index'));
  const status = await page.locator('#jp-main-statusbar').innerText();
  const ln = /Ln (\d+), Col \d+/.exec(status);
  const caption =
    (await page.activity.getTabLocator().getAttribute('title')) ?? '';
  const path = /Path: (.*)/.exec(caption);
  return {
    index,
    line: ln ? Number(ln[1]) - 1 : null,
    path: path ? path[1].trim() : ''
  };
}

/**
 * The Property Inspector's Advanced Tools metadata editor `which` ('Notebook
 * metadata' or 'Cell metadata', the active cell's) as a person reads it; its
 * text without white space (the editor's JSON layout aside).
 */
export async function metadataShown(
  page: IJupyterLabPageFixture,
  which: 'Notebook metadata' | 'Cell metadata'
): Promise<string> {
  await page.sidebar.openTab('jp-property-inspector');
  const inspector = page.locator('#jp-property-inspector');
  const editor = inspector
    .locator('.jp-MetadataEditorTool', { hasText: which })
    .locator('.cm-content');
  if (!(await editor.isVisible())) {
    await inspector.getByText('Advanced Tools', { exact: true }).click();
  }
  await expect(editor).toBeVisible();
  return ((await editor.textContent()) ?? '').replace(/\s+/g, '');
}
