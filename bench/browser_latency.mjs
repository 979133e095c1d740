// Keystroke -> updated Readiness panel, in Chromium, against a running JupyterLab.
//
// Usage: node bench/browser_latency.mjs <config.json>
//   config: {"base", "token", "chromium", "notebooks": {"<size>": "<path under the server root>"}, "repeat"}
// Prints progress lines and, last, `RESULT {json}`. bench/run.py starts JupyterLab and reads the result.
//
// What is measured: in a code cell near the top (the imports cell), on an empty last line, one
// keystroke ("q", a name the generated notebooks never bind, so the fast checks add an
// undefined-name finding; then Backspace, which removes it). The clock starts at the keydown event
// in the page and stops when the panel's "All" findings count
// (`.jp-ProdPanel-filterButton[data-severity="all"] .jp-ProdPanel-count`) shows the new number:
// the debounce (300 ms by default), the POST /jupyter-prod/check round trip and React's render are
// all inside. Keystrokes start once JupyterLab has rendered every cell of the notebook (it does so
// in idle time after opening; the wait is reported as render_all_cells_ms).
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf-8'));
const COUNT = '.jp-ProdPanel-filterButton[data-severity="all"] .jp-ProdPanel-count';
const STATUS = '.jp-ProdPanel-status';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function settle(page) {
  // the panel is idle: not "Checking…", nothing scheduled, and stays so for a moment
  await page.waitForFunction(
    sel => {
      const el = document.querySelector(sel);
      return el && !/Checking|Not checked/.test(el.textContent || '');
    },
    STATUS,
    { timeout: 120000 }
  );
  await page.waitForTimeout(800);
  await page.waitForFunction(
    sel => {
      const el = document.querySelector(sel);
      return el && !/Checking/.test(el.textContent || '');
    },
    STATUS,
    { timeout: 120000 }
  );
}

async function oneKey(page, key) {
  await page.evaluate(() => {
    const b = window.__jpBench;
    b.t0 = 0;
    b.t1 = 0;
    b.armed = true;
  });
  await page.keyboard.press(key);
  await page.waitForFunction(() => window.__jpBench.t1 > 0, null, { timeout: 60000 });
  const r = await page.evaluate(() => {
    const b = window.__jpBench;
    // the check request this keystroke caused (resource timing, same clock as performance.now())
    const reqs = performance
      .getEntriesByType('resource')
      .filter(e => e.name.includes('/jupyter-prod/check') && e.startTime >= b.t0 && e.responseEnd <= b.t1);
    const req = reqs[reqs.length - 1];
    return {
      total: b.t1 - b.t0,
      toRequest: req ? req.startTime - b.t0 : null,
      request: req ? req.responseEnd - req.startTime : null,
      afterResponse: req ? b.t1 - req.responseEnd : null
    };
  });
  await settle(page);
  return r;
}

async function measure(browser, size, path) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  try {
    const url = `${cfg.base}lab/tree/${path}?token=${cfg.token}&reset`;
    const loadStart = Date.now();
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120000 });
    await page.waitForFunction(() => window.jupyterapp && window.jupyterapp.commands, null, {
      timeout: 120000
    });
    await page.waitForSelector('.jp-NotebookPanel .jp-CodeCell .cm-content', { timeout: 180000 });
    const loadMs = Date.now() - loadStart;
    await page.evaluate(() => window.jupyterapp.commands.execute('jupyter-prod:open-panel'));
    await page.waitForSelector(COUNT, { timeout: 120000 });
    await settle(page);
    // JupyterLab renders the cells of a long notebook in idle time after opening (windowing mode
    // contentVisibility: a 1000-cell notebook takes tens of seconds on a loaded 2-core machine);
    // keystrokes in that window wait for its work. Time the steady state, and report the wait.
    const renderStart = Date.now();
    await page.waitForFunction(
      () => {
        const w = window.jupyterapp.shell.currentWidget;
        const n = w && w.content && w.content.widgets ? w.content.widgets.length : 0;
        return n > 0 && document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell').length >= n;
      },
      null,
      { timeout: 300000, polling: 500 }
    );
    const renderMs = Date.now() - renderStart;
    // click at the end of the imports cell (the first code cell), open an empty last line
    const editor = page.locator('.jp-NotebookPanel .jp-CodeCell .cm-content').first();
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await settle(page);
    await page.evaluate(
      ({ COUNT }) => {
        const b = { t0: 0, t1: 0, armed: false, before: null };
        window.__jpBench = b;
        const count = () => {
          const el = document.querySelector(COUNT);
          return el ? el.textContent : null;
        };
        document.addEventListener(
          'keydown',
          () => {
            if (b.armed) {
              b.armed = false;
              b.before = count();
              b.t0 = performance.now();
            }
          },
          true
        );
        const check = () => {
          if (b.t0 && !b.t1 && count() !== b.before) {
            b.t1 = performance.now();
          }
        };
        new MutationObserver(check).observe(document.querySelector('.jp-ProdPanel'), {
          subtree: true,
          childList: true,
          characterData: true
        });
      },
      { COUNT }
    );
    await page.evaluate(() => performance.setResourceTimingBufferSize(100000));
    const parts = [];
    const before = await page.textContent(COUNT);
    for (let i = 0; i < cfg.repeat + 1; i++) {
      const add = await oneKey(page, 'q');
      const remove = await oneKey(page, 'Backspace');
      if (i > 0) {
        parts.push(add, remove); // the first pair is the warm-up
      }
      console.log(`size ${size}: q ${JSON.stringify(add)}, Backspace ${JSON.stringify(remove)}`);
    }
    const after = await page.textContent(COUNT);
    const samples = parts.map(p => p.total);
    const med = key => {
      const xs = parts.map(p => p[key]).filter(x => x !== null);
      return xs.length ? median(xs) : null;
    };
    const breakdown = {
      keydown_to_request_ms: med('toRequest'),
      request_ms: med('request'),
      response_to_dom_ms: med('afterResponse')
    };
    const f = x => (x === null ? '?' : x.toFixed(0));
    return {
      median_ms: median(samples),
      min_ms: Math.min(...samples),
      max_ms: Math.max(...samples),
      samples_ms: samples.map(x => Math.round(x)),
      load_ms: loadMs,
      render_all_cells_ms: renderMs,
      breakdown,
      note:
        `medians: keydown to request sent ${f(breakdown.keydown_to_request_ms)} ms (debounce + delta built from the cell models), ` +
        `POST check ${f(breakdown.request_ms)} ms, response to DOM ${f(breakdown.response_to_dom_ms)} ms; ` +
        `findings ${before} -> ${Number(before) + 1} -> ${after}; notebook opened in ${(loadMs / 1000).toFixed(1)} s, ` +
        `all its cells rendered ${(renderMs / 1000).toFixed(1)} s after the panel's first answer`
    };
  } finally {
    await context.close();
  }
}

const browser = await chromium.launch({
  executablePath: cfg.chromium,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run'
  ]
});
const sizes = {};
try {
  for (const [size, path] of Object.entries(cfg.notebooks)) {
    try {
      sizes[size] = await measure(browser, size, path);
    } catch (err) {
      console.log(`size ${size}: failed: ${err}`);
      sizes[size] = { median_ms: null, error: String(err).split('\n')[0].slice(0, 300) };
    }
  }
} finally {
  await browser.close();
}
console.log(
  'RESULT ' +
    JSON.stringify({
      sizes,
      method:
        'One keystroke ("q" on an empty last line of the first code cell, then Backspace) to the change of the ' +
        "Readiness panel's All-findings count, timed in the page (keydown to DOM mutation). Includes the " +
        'frontend debounce (settings debounceMs, default 300 ms), POST /jupyter-prod/check with the notebook ' +
        "as a delta (the edited cell's source, the other cells as ranges of the last request), answered as " +
        'a findings delta, and the render. Median of the timed ' +
        'keystrokes after one warm-up pair.'
    })
);
