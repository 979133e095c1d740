import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

/** Helpers shared by the galata specs that work in the server root's git repository. */

/** the server root (a git repository), set by playwright.config.js */
export const ROOT = process.env.JP_PROD_UI_ROOT as string;

export function git(...args: string[]): string {
  return execFileSync('git', ['-C', ROOT, ...args], {
    encoding: 'utf-8',
    timeout: 30000,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' }
  });
}

/** Right-click a cell, Promote to Module…, give the module path, Preview: the preview dialog. */
export async function promoteFromContextMenu(
  page: IJupyterLabPageFixture,
  cell: number,
  modulePath: string
) {
  await page.notebook.selectCells(cell);
  await (await page.notebook.getCellLocator(cell))!.click({ button: 'right' });
  await page
    .locator('.lm-Menu')
    .getByText('Promote to Module…', { exact: true })
    .click();
  const input = page.locator('.jp-Dialog input');
  await expect(input).toBeVisible();
  await input.fill(modulePath);
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Preview' })
    .click();
  return page.locator('.jp-Dialog');
}

/**
 * Run a command as a person does from the keyboard: open the command palette
 * (Ctrl+Shift+C), type the command's label, check that it is the highlighted
 * item, press Enter. The palette is modal and closes when it loses focus (a
 * notebook that is still opening can take the focus back): then it is opened
 * again. Resolves once the palette has closed (not when the command's work
 * ends).
 */
export async function runFromPalette(
  page: IJupyterLabPageFixture,
  label: string
): Promise<void> {
  const palette = page.locator('.lm-CommandPalette');
  const input = palette.locator('.lm-CommandPalette-input');
  const active = palette.locator(
    '.lm-CommandPalette-item.lm-mod-active .lm-CommandPalette-itemLabel'
  );
  await expect(async () => {
    if (!(await input.isVisible())) {
      await page.keyboard.press('Control+Shift+C');
    }
    await expect(input).toBeFocused({ timeout: 2000 });
    await input.fill(label);
    await expect(active).toHaveText(label, { timeout: 2000 });
  }).toPass({ timeout: 30000 });
  await input.press('Enter');
  await expect(input).toBeHidden();
}
