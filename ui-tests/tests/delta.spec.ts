import { expect, test } from '@jupyterlab/galata';
import { codeNotebook, runFromPalette, uploadAndOpen } from './helpers';

/**
 * The delta protocol end to end: after an edit of one cell of a 300-cell
 * notebook, the check request carries that cell's source and no other.
 */

const PANEL = '[id="jupyter-prod:panel"]';
const CELLS = 300;

function bigNotebook(): Record<string, unknown> {
  const sources = Array.from({ length: CELLS }, (_, i) =>
    i === 0 ? 'total = 0' : `value_${i} = ${i}\ntotal += value_${i}`
  );
  const title = {
    cell_type: 'markdown',
    id: 'title',
    metadata: {},
    source: '# Three hundred cells'
  };
  return codeNotebook(sources, [title]);
}

test('an edit sends only the edited cell source', async ({ page, tmpPath }) => {
  await uploadAndOpen(page, tmpPath, 'big.ipynb', bigNotebook());

  // open the panel from the command palette, as a person does
  await runFromPalette(page, 'Open Readiness Panel');
  const panel = page.locator(PANEL);
  await expect(panel).toBeVisible();
  await expect(panel.locator('.jp-ProdPanel-scoreValue')).toHaveText(/^\d+$/);

  const bodies: any[] = [];
  page.on('request', request => {
    if (
      request.method() === 'POST' &&
      request.url().includes('jupyter-prod/check')
    ) {
      bodies.push(JSON.parse(request.postData() ?? '{}'));
    }
  });

  // edit the sixth code cell: click at the end of its first line and type
  const cell = page.locator('.jp-Cell').nth(6);
  await cell.locator('.cm-line').first().click();
  await page.keyboard.press('End');
  await page.keyboard.type(' + 1');
  const edited = 'value_5 = 5 + 1\ntotal += value_5';

  await expect
    .poll(
      () =>
        bodies.some(body =>
          (body.delta?.cells ?? []).some((c: any) => c.source === edited)
        ),
      { timeout: 20000 }
    )
    .toBe(true);
  for (const body of bodies) {
    expect(body.notebook).toBeUndefined();
    expect(body.delta.cells).toHaveLength(CELLS + 1);
    const sent = body.delta.cells.filter((c: any) => 'source' in c);
    expect(sent.length).toBeLessThanOrEqual(1);
    if (sent.length === 1) {
      expect(sent[0].id).toBe('cell-5');
    }
  }
  const last = bodies[bodies.length - 1];
  expect(
    last.delta.cells.filter((c: any) => 'source' in c).map((c: any) => c.source)
  ).toEqual([edited]);
});
