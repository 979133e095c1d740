import { expect, test } from '@jupyterlab/galata';
import { codeNotebook, openPanel, titleCell, uploadAndOpen } from './helpers';

/**
 * The delta protocol end to end: after an edit of one cell of a 300-cell
 * notebook, the check request carries that cell's source and no other, the
 * other cells as ranges of the cells list the server named in its previous
 * answer (a few items, not one per cell), the answer is a findings delta
 * against the report the panel holds, and the panel's counts are those of
 * the full report.
 */

const COUNT = (severity: string) =>
  `.jp-ProdPanel-filterButton[data-severity="${severity}"] .jp-ProdPanel-count`;
const CELLS = 300;

/** How many cells a delta's items stand for (`[start, stop]` ranges and cells). */
function listed(items: any[]): number {
  return items.reduce(
    (n: number, item: any) => n + (Array.isArray(item) ? item[1] - item[0] : 1),
    0
  );
}

function bigNotebook(): Record<string, unknown> {
  const sources = Array.from({ length: CELLS }, (_, i) =>
    i === 0 ? 'total = 0' : `value_${i} = ${i}\ntotal += value_${i}`
  );
  return codeNotebook(sources, [titleCell('# Three hundred cells')]);
}

test('an edit sends only the edited cell source and gets a findings delta', async ({
  page,
  tmpPath
}) => {
  await uploadAndOpen(page, tmpPath, 'big.ipynb', bigNotebook());

  // open the panel from the command palette, as a person does
  const panel = await openPanel(page);
  await expect(panel.locator('.jp-ProdPanel-scoreValue')).toHaveText(/^\d+$/);

  const count = async (severity: string) =>
    Number(await panel.locator(COUNT(severity)).innerText());
  const allBefore = await count('all');
  const errorsBefore = await count('error');

  const bodies: any[] = [];
  const answers: { request: any; text: string }[] = [];
  page.on('response', async response => {
    const request = response.request();
    if (
      request.method() === 'POST' &&
      request.url().includes('jupyter-prod/check')
    ) {
      const body = JSON.parse(request.postData() ?? '{}');
      bodies.push(body);
      answers.push({ request: body, text: await response.text() });
    }
  });

  // edit the sixth code cell: click at the end of its first line and type a
  // name nothing defines (one more error)
  const cell = page.locator('.jp-Cell').nth(6);
  await cell.locator('.cm-line').first().click();
  await page.keyboard.press('End');
  await page.keyboard.type(' + nowhere');
  const edited = 'value_5 = 5 + nowhere\ntotal += value_5';

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
    // after the first exchange: ranges of the list the server holds, and the edited cell
    expect(body.delta.cells_base).toEqual(expect.any(String));
    expect(body.delta.cells.length).toBeLessThanOrEqual(3);
    expect(listed(body.delta.cells)).toBe(CELLS + 1);
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

  // the answer to the edit: the findings as a delta against the held report
  await expect
    .poll(() => answers.some(a => a.request === last), { timeout: 20000 })
    .toBe(true);
  const answer = answers.find(a => a.request === last)!;
  const data = JSON.parse(answer.text);
  expect(data.cells_id).toEqual(expect.any(String));
  expect(data.cells_id).not.toBe(last.delta.cells_base);
  expect(last.delta.cells).toEqual([
    [0, 6],
    expect.any(Object),
    [7, CELLS + 1]
  ]);
  expect(JSON.stringify(last).length).toBeLessThan(2000);
  expect(last.findings_base).toEqual(expect.any(String));
  expect(data.findings_base).toBe(last.findings_base);
  expect(data.findings).toBeUndefined();
  expect(answer.text.length).toBeLessThan(2500);
  const added = data.findings_delta.filter((i: any) => !Array.isArray(i));
  expect(added.map((f: any) => f.message).join(' ')).toContain('nowhere');

  // the panel shows the full report's counts: one error more
  await expect(panel.locator(COUNT('all'))).toHaveText(String(allBefore + 1));
  await expect(panel.locator(COUNT('error'))).toHaveText(
    String(errorsBefore + 1)
  );
  expect(data.summary.errors).toBe(errorsBefore + 1);
  // and the edited cell's badge (the only one the delta touched) counts it
  await expect(cell.locator('.jp-ProdCellBadge.jp-mod-error')).toHaveText('1');
});
