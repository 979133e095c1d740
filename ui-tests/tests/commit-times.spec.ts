import { expect, test } from '@jupyterlab/galata';
import {
  codeNotebook,
  git,
  openSection,
  titleCell,
  uploadAndOpen
} from './helpers';

/**
 * The Commit section's recent commits say how long ago each was made in
 * words: they age while the section is shown, without a click.
 */
test('the relative times of recent commits age while the Commit section is shown', async ({
  page,
  tmpPath
}) => {
  const notebook = `${tmpPath}/aging.ipynb`;
  await uploadAndOpen(
    page,
    tmpPath,
    'aging.ipynb',
    codeNotebook(
      ['print(1)'],
      [titleCell('# Aging\n\nA notebook committed 30 seconds ago.')]
    )
  );
  // committed 30 seconds ago: its words read seconds (for 30 s more, a margin for a
  // loaded machine to open the section), then "1 minute ago"
  git('add', notebook);
  git(
    'commit',
    '-q',
    '-m',
    'Add the aging notebook',
    `--date=${new Date(Date.now() - 30000).toISOString()}`,
    '--',
    notebook
  );
  const panel = await openSection(page, 'commit');
  const when = panel
    .locator('.jp-ProdCommit-logEntry', { hasText: 'Add the aging notebook' })
    .locator('.jp-ProdCommit-date');
  await expect(when).toHaveText(/^\d+ seconds ago$/);
  const first = parseInt(await when.innerText(), 10);
  // with nothing clicked, the seconds count on, then the minute comes
  await expect(when).not.toHaveText(`${first} seconds ago`, { timeout: 5000 });
  await expect(when).toHaveText('1 minute ago', { timeout: 60000 });
});
