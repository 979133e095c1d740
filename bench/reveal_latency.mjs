// Click on a finding far down a long notebook -> its cell on screen with the cursor on the line, in Chromium.
//
// Usage: node bench/reveal_latency.mjs <base url with trailing /> <token> <notebook path> [repeat]
//   The notebook must hold one `undefined-name` finding in a cell that JupyterLab has not drawn yet
//   right after opening (e.g. cell 950 of 1000: bench/generate.py --cells 1000, then
//   `print(reveal_target)` appended to that cell; see bench/README.md): the finding clicked is the one
//   naming `reveal_target`.
// Prints one line per run and, last, `RESULT {json}` (a run not revealed within REVEAL_LIMIT_S is null).
//
// What is measured: a fresh page opens the notebook (JupyterLab's default windowing mode draws
// cells in idle time, top first), the Readiness panel shows the finding, and the finding is
// clicked as soon as it is listed. The clock starts at the click (pointerdown in the page) and stops
// at the first animation frame in which the finding's cell is the active cell, inside the
// notebook's visible area, its editor has the focus and the cursor is on the finding's line.
// `stable` says whether the cell is still in view 3 s later (while JupyterLab keeps drawing the
// cells above it).
import { chromium } from 'playwright-core';

const [base, token, path, repeatArg] = process.argv.slice(2);
const REPEAT = Number(repeatArg ?? 3);
/** a run gives up after this long (REVEAL_LIMIT_S, default 90 s) and says how many cells were drawn */
const LIMIT_MS = Number(process.env.REVEAL_LIMIT_S ?? 90) * 1000;
const FINDING = '.jp-ProdPanel-finding[data-check="undefined-name"]';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** In the page: arm the clock on the next pointerdown, stop it when the cell is revealed. */
function armClock({ index, line }) {
  const b = { t0: 0, t1: 0 };
  window.__reveal = b;
  const notebook = () => window.jupyterapp.shell.currentWidget.content;
  const inView = () => {
    const nb = notebook();
    const cell = nb.widgets[index];
    if (!cell || !cell.node.isConnected) {
      return false;
    }
    const box = cell.node.getBoundingClientRect();
    const view = nb.node.getBoundingClientRect();
    return box.height > 0 && box.top < view.bottom && box.bottom > view.top;
  };
  b.inView = inView;
  const done = () => {
    const nb = notebook();
    const cell = nb.widgets[index];
    const editor = cell && cell.editor;
    return (
      nb.activeCellIndex === index &&
      inView() &&
      !!editor &&
      editor.hasFocus() &&
      editor.getCursorPosition().line === line - 1
    );
  };
  const poll = () => {
    if (done()) {
      b.t1 = performance.now();
    } else {
      requestAnimationFrame(poll);
    }
  };
  document.addEventListener(
    'pointerdown',
    () => {
      if (!b.t0) {
        b.t0 = performance.now();
        requestAnimationFrame(poll);
      }
    },
    true
  );
}

async function once(browser) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(`${base}lab/tree/${path}?token=${token}&reset`, { timeout: 120000 });
    await page.waitForSelector('.jp-NotebookPanel .jp-CodeCell .cm-content', { timeout: 180000 });
    const tab = page.locator('.lm-TabBar-tab[data-id="jupyter-prod:panel"]');
    if (!(await page.locator('.jp-ProdPanel').isVisible())) {
      await tab.click();
    }
    // a generated notebook has hundreds of findings: show the errors only, as a user would
    await page.locator('.jp-ProdPanel-filterButton[data-severity="error"]').click({ timeout: 120000 });
    const finding = page.locator(FINDING, { hasText: 'reveal_target' }).first();
    await finding.waitFor({ timeout: 120000 });
    const index = Number(await finding.getAttribute('data-cell'));
    const line = Number(await finding.getAttribute('data-line'));
    const drawnBefore = await page.evaluate(
      i => document.querySelector(`.jp-Notebook [data-windowed-list-index="${i}"]`) !== null,
      index
    );
    await page.evaluate(armClock, { index, line });
    await finding.locator('.jp-ProdPanel-findingMain').click();
    try {
      await page.waitForFunction(() => window.__reveal.t1 > 0, null, { timeout: LIMIT_MS, polling: 50 });
    } catch {
      // not revealed within the limit: how far JupyterLab had drawn
      const drawn = await page.evaluate(() => document.querySelectorAll('.jp-Notebook .jp-Cell').length);
      return { ms: null, index, line, drawnBefore, stable: false, drawn };
    }
    const ms = await page.evaluate(() => window.__reveal.t1 - window.__reveal.t0);
    await page.waitForTimeout(3000);
    const stable = await page.evaluate(() => window.__reveal.inView());
    return { ms, index, line, drawnBefore, stable };
  } finally {
    await context.close();
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']
});
const runs = [];
try {
  for (let i = 0; i < REPEAT; i++) {
    const r = await once(browser);
    if (r.ms === null) {
      console.log(`run ${i + 1}: not revealed within ${LIMIT_MS / 1000} s (cell ${r.index + 1}; ${r.drawn} cells drawn by then)`);
      runs.push(r);
      continue;
    }
    console.log(`run ${i + 1}: ${r.ms.toFixed(0)} ms (cell ${r.index + 1}, line ${r.line}, drawn before the click: ${r.drawnBefore}, in view 3 s later: ${r.stable})`);
    runs.push(r);
  }
} finally {
  await browser.close();
}
const done = runs.filter(r => r.ms !== null).map(r => r.ms);
console.log(
  `RESULT ${JSON.stringify({
    median_ms: done.length === runs.length ? Math.round(median(done)) : null,
    runs: runs.map(r => (r.ms === null ? null : Math.round(r.ms))),
    limit_ms: LIMIT_MS,
    stable: runs.every(r => r.stable)
  })}`
);
