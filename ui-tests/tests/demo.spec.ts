import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { openNotebook, ROOT, serverPython } from './helpers';

/** the repository (the demo project and its scripts) */
const REPO = path.resolve(__dirname, '..', '..');

/**
 * The demo as scripts/demo.sh opens it: a copy made by demo-copy.sh with the
 * Python that runs JupyterLab (whose kernel the notebook starts). JupyterLab
 * writes the kernel's kernelspec and language_info into the notebook when
 * the kernel starts; the demo carries them, so it opens unchanged.
 */
test('the demo notebook opens unchanged: its kernel starting changes nothing', async ({
  page,
  tmpPath
}) => {
  const python = serverPython();
  execFileSync(
    'bash',
    [
      path.join(REPO, 'scripts', 'demo-copy.sh'),
      path.join(ROOT, tmpPath, 'demo'),
      python
    ],
    { timeout: 60000 }
  );
  await page.filebrowser.openDirectory(`${tmpPath}/demo`);
  await openNotebook(page, `${tmpPath}/demo/churn_analysis.ipynb`);
  // the kernel is up and has told JupyterLab its language: the notebook's metadata, as the
  // Property Inspector's Advanced Tools show it, carries the Python version the kernel writes
  await expect(page.locator('#jp-main-statusbar')).toContainText('Idle');
  await page.sidebar.openTab('jp-property-inspector');
  const inspector = page.locator('#jp-property-inspector');
  await inspector.getByText('Advanced Tools', { exact: true }).click();
  await expect(
    inspector
      .locator('.jp-MetadataEditorTool', { hasText: 'Notebook metadata' })
      .locator('.cm-content')
  ).toContainText(/"version": "3\.\d+\.\d+"/); // language_info's (codemirror_mode's is a number)
  const tab = page.locator('.lm-TabBar-tab', {
    hasText: 'churn_analysis.ipynb'
  });
  await expect(tab).toBeVisible();
  // held for 2 s: the dirty mark is drawn a frame or more after the model changes, so a single
  // look right after the metadata arrived could pass before it appears
  for (const start = Date.now(); Date.now() - start < 2000;) {
    expect(await tab.getAttribute('class')).not.toMatch(/jp-mod-dirty/);
    await page.waitForTimeout(100);
  }
});
