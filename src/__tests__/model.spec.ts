import { Signal } from '@lumino/signaling';

import { ApiError, IFinding, IReport, isNotPython, ProdApi } from '../api';
import { snapshotOf } from '../delta';
import {
  INotebookSource,
  mergeReports,
  ReadinessModel,
  shownChecks
} from '../model';
import { hideWaived, roundScore, scoreOf } from '../reports';
import { FetchMock, flushPromises } from './fetchMock';

declare const require: (id: string) => any;

/** A notebook whose content the test edits, as the editor would. */
class FakeNotebook implements INotebookSource {
  path = 'work/a.ipynb';
  sources: string[] = ['import os', 'print(x)'];
  contentChanged = new Signal<this, void>(this);
  saved = new Signal<this, void>(this);

  getContent() {
    return {
      cells: this.sources.map(source => ({
        cell_type: 'code',
        source,
        metadata: {},
        outputs: [],
        execution_count: null
      })),
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5
    } as any;
  }

  getSnapshot() {
    return snapshotOf(this.getContent());
  }

  /** Edit a cell; resolves once the model scheduled its re-check (a microtask). */
  async edit(index: number, source: string) {
    this.sources[index] = source;
    this.contentChanged.emit();
    await flushPromises();
  }
}

function finding(
  check: string,
  cell: number,
  extra: Partial<IFinding> = {}
): IFinding {
  return {
    check,
    severity: 'error',
    cell,
    cell_id: null,
    line: 1,
    message: `${check} in cell ${cell}`,
    hint: '',
    fix: null,
    ...extra
  };
}

function report(
  findings: IFinding[],
  checksRun: string[],
  score = 50
): IReport {
  return {
    path: 'work/a.ipynb',
    score,
    findings,
    waived: [],
    summary: {
      errors: findings.filter(f => f.severity === 'error').length,
      warnings: findings.filter(f => f.severity === 'warning').length,
      infos: findings.filter(f => f.severity === 'info').length,
      waived: 0,
      code_cells: 2,
      checks_run: checksRun
    }
  };
}

const FAST = ['undefined-name', 'out-of-order-execution'];
const SLOW = ['not-black-formatted', 'type-error'];

/** The server's answer (409) to a check that a newer check of the notebook replaced while it ran. */
const SUPERSEDED = {
  error:
    'A newer check of this notebook replaced this one while it ran (its black and mypy were stopped); its answer is the current one.',
  kind: 'conflict',
  details: { reason: 'superseded', stage: 'running' }
};

/** The report as a server that names its slow checks answers it. */
function slowNamed(answer: IReport): IReport {
  return { ...answer, summary: { ...answer.summary, slow_checks: SLOW } };
}

describe('ReadinessModel', () => {
  let mock: FetchMock;
  let nb: FakeNotebook;
  let model: ReadinessModel;

  beforeEach(() => {
    jest.useFakeTimers();
    mock = new FetchMock();
    nb = new FakeNotebook();
    model = new ReadinessModel({
      source: nb,
      client: new ProdApi(mock.settings()),
      settings: { debounceMs: 300 }
    });
  });

  afterEach(() => {
    model.dispose();
    jest.useRealTimers();
  });

  /**
   * An `older` check (answered `olderAnswer`) overtaken by an edit and a fast
   * check (answered `newerAnswer`), whose answer arrives first; the results
   * of both, the older one's after the newer one's.
   */
  async function overtaken(
    older: 'fast' | 'all',
    olderAnswer: IReport,
    newerAnswer: IReport
  ) {
    mock.hold = true;
    mock.respond(200, olderAnswer);
    const first = model.check(older);
    await nb.edit(1, 'print(1)');
    mock.respond(200, newerAnswer);
    const second = model.check('fast');
    const [releaseFirst, releaseSecond] = mock.takeHeld();
    releaseSecond();
    const newer = await second;
    releaseFirst();
    return [await first, newer] as const;
  }

  /** The failures of automatic checks (autoCheckFailed), as they come. */
  function autoFailures(): ApiError[] {
    const errors: ApiError[] = [];
    model.autoCheckFailed.connect((_, e) => errors.push(e));
    return errors;
  }

  it('debounces edits and sends the current (unsaved) content with checks "fast"', async () => {
    mock.respondAlways(200, report([finding('undefined-name', 1)], FAST));
    await nb.edit(1, 'print(n)');
    jest.advanceTimersByTime(100);
    await nb.edit(1, 'print(no)');
    jest.advanceTimersByTime(100);
    await nb.edit(1, 'print(nowhere)');
    expect(model.scheduled).toBe(true);
    jest.advanceTimersByTime(299);
    expect(mock.requests).toHaveLength(0);
    jest.advanceTimersByTime(1);
    await flushPromises(10);
    expect(mock.requests).toHaveLength(1);
    const body = mock.requests[0].body;
    expect(body.path).toBe('work/a.ipynb');
    expect(body.checks).toBe('fast');
    expect(body.notebook).toBeUndefined();
    expect(body.delta.cells[1].source).toBe('print(nowhere)');
    expect(model.findings.map(f => f.check)).toEqual(['undefined-name']);
    // the score of the findings shown (one error), whatever the answer's said
    expect(model.score).toBe(80);
    expect(model.busy).toBe(false);
    expect(model.upToDate).toBe(true);
  });

  it('names the report it holds, rebuilds a findings delta from it, and falls back to one full request', async () => {
    const kept = finding('undefined-name', 0);
    const gone = finding('undefined-name', 1);
    mock.respond(200, { ...report([kept, gone], FAST), report_id: 'r1' });
    await model.check('fast');
    expect(mock.requests[0].body.findings_base).toBeUndefined();
    const shown = model.findings[0];
    const fresh = finding('out-of-order-execution', 1);
    const { findings: _f, waived: _w, ...rest } = report([kept, fresh], FAST);
    void _f;
    void _w;
    mock.respond(200, {
      ...rest,
      report_id: 'r2',
      findings_base: 'r1',
      findings_delta: [[0, 1], fresh],
      waived_delta: []
    });
    await model.check('fast');
    expect(mock.requests[1].body.findings_base).toBe('r1');
    expect(model.findings.map(f => f.message)).toEqual([
      kept.message,
      fresh.message
    ]);
    expect(model.findings[0]).toBe(shown); // the same object: the row is not rebuilt
    expect(model.report!.summary.errors).toBe(2);
    // a range the base cannot hold: one more request, without findings_base
    mock.respond(200, {
      ...rest,
      report_id: 'r3',
      findings_base: 'r2',
      findings_delta: [[0, 5]],
      waived_delta: []
    });
    mock.respond(200, { ...report([gone], FAST), report_id: 'r4' });
    await model.check('fast');
    expect(mock.requests).toHaveLength(4);
    expect(mock.requests[2].body.findings_base).toBe('r2');
    expect(mock.requests[3].body.findings_base).toBeUndefined();
    expect(model.findings.map(f => f.message)).toEqual([gone.message]);
    mock.respond(200, { ...report([gone], FAST), report_id: 'r5' });
    await model.check('fast');
    expect(mock.requests[4].body.findings_base).toBe('r4');
  });

  it('counts the applied answers in revision', async () => {
    expect(model.revision).toBe(0);
    mock.respondAlways(200, report([finding('undefined-name', 1)], FAST));
    await model.check('fast');
    expect(model.revision).toBe(1);
    await nb.edit(1, 'print(y)');
    jest.advanceTimersByTime(300);
    await flushPromises(10);
    expect(model.revision).toBe(2);
    mock.respond(500, { error: 'boom', kind: 'internal', details: null });
    await expect(model.check('fast')).rejects.toBeDefined();
    expect(model.revision).toBe(2);
  });

  it('runs all checks on save when mypyOnSave is set, fast otherwise', async () => {
    mock.respondAlways(200, report([], FAST, 100));
    nb.saved.emit();
    await flushPromises(10);
    expect(mock.requests[0].body.checks).toBe('all');
    model.settings = { ...model.settings, mypyOnSave: false };
    nb.saved.emit();
    await flushPromises(10);
    expect(mock.requests[1].body.checks).toBe('fast');
  });

  it('is busy while a request is in flight and emits stateChanged', async () => {
    const states: boolean[] = [];
    model.stateChanged.connect(() => states.push(model.busy));
    mock.hold = true;
    mock.respond(200, report([], FAST, 100));
    const pending = model.check('all');
    expect(model.busy).toBe(true);
    mock.release();
    await pending;
    expect(model.busy).toBe(false);
    expect(states).toEqual([true, false]);
  });

  it('rejects with the ApiError and keeps it as the model error', async () => {
    mock.respond(422, {
      error: 'Cell 3 is not valid nbformat: missing "source".',
      kind: 'notebook',
      details: null
    });
    const error = await model.check('all').catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.kind).toBe('notebook');
    expect(model.error?.message).toBe(
      'Cell 3 is not valid nbformat: missing "source".'
    );
    mock.respond(200, report([], FAST, 100));
    await model.check('all');
    expect(model.error).toBeNull();
  });

  it('takes a check the server replaced by a newer one as no error', async () => {
    const errors = autoFailures();
    mock.respond(200, report([finding('undefined-name', 1)], FAST, 10));
    await model.check('fast');
    mock.respond(409, SUPERSEDED);
    nb.saved.emit();
    await flushPromises(10);
    expect(errors).toEqual([]);
    expect(model.error).toBeNull();
    expect(model.score).toBe(80);
    // any other conflict is still an error
    mock.respond(409, { error: 'Busy.', kind: 'conflict', details: null });
    await expect(model.check('all')).rejects.toBeInstanceOf(ApiError);
    expect(model.error?.message).toBe('Busy.');
  });

  it("asks every check again, not the edited slow one, while a save's full check runs", async () => {
    const errors = autoFailures();
    mock.respond(200, slowNamed(report([], FAST)));
    await model.check('fast');
    mock.hold = true;
    // the save's full check: a newer slow request of this notebook replaces it on the server
    mock.respond(409, SUPERSEDED);
    const full = model.check('all');
    mock.respond(200, slowNamed(report([], FAST)));
    mock.respond(
      200,
      slowNamed(report([finding('type-error', 0)], [...FAST, ...SLOW], 80))
    );
    // black ran on a cell (Format Cell, a Fix): its finding is re-checked
    model.recheckEdited(['not-black-formatted']);
    const [releaseFull, releaseFast] = mock.takeHeld();
    releaseFast();
    await flushPromises(10);
    expect(mock.requests.map(r => r.body.checks)).toEqual([
      'fast',
      'all',
      'fast',
      'all'
    ]);
    releaseFull();
    mock.release();
    await full;
    await flushPromises(10);
    expect(model.findings.map(f => f.check)).toEqual(['type-error']);
    expect(model.checkedAll).toBe(true);
    expect(errors).toEqual([]);
  });

  it('asks only the edited slow check when no full check runs, its failure an automatic one', async () => {
    const errors = autoFailures();
    mock.respond(200, slowNamed(report([], FAST)));
    await model.check('fast');
    mock.respond(200, slowNamed(report([], FAST)));
    mock.respond(500, { error: 'black failed.', kind: 'internal' });
    model.recheckEdited(['not-black-formatted']);
    await flushPromises(30);
    expect(mock.requests.map(r => r.body.checks)).toEqual([
      'fast',
      'fast',
      ['not-black-formatted']
    ]);
    expect(errors.map(e => e.message)).toEqual(['black failed.']);
  });

  it('has not checked everything when a full check ran the fast checks alone (a read-only user)', async () => {
    mock.respond(200, slowNamed(report([], FAST)));
    await model.check('all');
    expect(model.checkedAll).toBe(false);
    mock.respond(200, slowNamed(report([], [...FAST, ...SLOW])));
    await model.check('all');
    expect(model.checkedAll).toBe(true);
  });

  it('keeps a notebook in another language as a note, not an automatic-check failure', async () => {
    const errors = autoFailures();
    mock.respond(422, {
      error:
        "analysis.ipynb: not a Python notebook (its language is 'r'); jupyter-prod checks Python notebooks only.",
      kind: 'notebook',
      details: { reason: 'not-python' }
    });
    nb.saved.emit();
    await flushPromises(10);
    expect(errors).toEqual([]);
    expect(model.error && isNotPython(model.error)).toBe(true);
    // an unreadable notebook is still a failure the user is told about
    mock.respond(422, {
      error: 'Cell 3 is not valid.',
      kind: 'notebook',
      details: null
    });
    nb.saved.emit();
    await flushPromises(10);
    expect(errors.map(e => e.message)).toEqual(['Cell 3 is not valid.']);
  });

  it('reports failures of automatic checks through autoCheckFailed', async () => {
    const errors = autoFailures();
    mock.respond(404, '<html>not found</html>', 'text/html');
    await nb.edit(0, 'import sys');
    jest.advanceTimersByTime(300);
    await flushPromises(10);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/server extension is not enabled/);
  });

  it('keeps the newer answer when an older one arrives late', async () => {
    const [, newer] = await overtaken(
      'fast',
      report([finding('undefined-name', 1)], FAST, 10),
      report([], FAST, 100)
    );
    expect(newer).not.toBeNull();
    // the older one does not overwrite it
    expect(model.score).toBe(100);
    expect(model.findings).toEqual([]);
    expect(model.upToDate).toBe(true);
  });

  it('adds slow findings of an overtaken full check to the newer fast answer', async () => {
    const [merged] = await overtaken(
      'all',
      report(
        [finding('type-error', 0), finding('undefined-name', 1)],
        [...FAST, 'type-error'],
        40
      ),
      report([], FAST, 90)
    );
    expect(merged!.findings.map(f => f.check)).toEqual(['type-error']);
    expect(model.findings.map(f => f.check)).toEqual(['type-error']);
    // the score of what the panel shows (one error), not the fast answer's 90
    expect(model.score).toBe(80);
  });

  it('filters findings with the select and ignore settings and sends them', async () => {
    mock.respondAlways(
      200,
      report(
        [finding('undefined-name', 1), finding('out-of-order-execution', 0)],
        FAST
      )
    );
    model.settings = { ...model.settings, ignore: ['out-of-order-execution'] };
    await model.check('fast');
    expect(mock.requests[0].body.ignore).toEqual(['out-of-order-execution']);
    expect(model.findings.map(f => f.check)).toEqual(['undefined-name']);
    model.settings = {
      ...model.settings,
      ignore: [],
      select: ['out-of-order-execution']
    };
    expect(model.findings.map(f => f.check)).toEqual([
      'out-of-order-execution'
    ]);
    expect(model.findingsForCell(0)).toHaveLength(1);
    expect(model.findingsForCell(1)).toHaveLength(0);
  });

  it('does not send after dispose', async () => {
    await nb.edit(0, 'x = 1');
    model.dispose();
    jest.advanceTimersByTime(1000);
    await flushPromises();
    expect(mock.requests).toHaveLength(0);
    expect(await model.check('all')).toBeNull();
  });

  it('hides a waived slow finding without running its check again', async () => {
    const typeError = finding('type-error', 0, {
      cell_id: 'c0',
      commit_gate: 'unless-allowed'
    });
    const other = finding('type-error', 1, { cell_id: 'c1' });
    mock.respond(
      200,
      slowNamed(report([typeError, other], [...FAST, ...SLOW], 40))
    );
    await model.check('all');
    mock.respondAlways(200, slowNamed(report([], FAST, 90)));
    const shown = await model.waiverWritten(['type-error'], typeError);
    expect(mock.requests.map(r => r.body.checks)).toEqual(['all', 'fast']);
    expect(shown!.findings).toEqual([other]);
    expect(shown!.waived).toEqual([
      finding('type-error', 0, { cell_id: 'c0' })
    ]);
    expect(shown!.summary).toMatchObject({ errors: 1, waived: 1 });
    expect(model.report).toBe(shown);
  });

  it('re-checks a waiver of a slow check as before when the server names none', async () => {
    mock.respondAlways(200, report([], FAST, 100));
    await model.waiverWritten(['type-error'], finding('type-error', 0));
    expect(mock.requests.map(r => r.body.checks)).toEqual(['fast', 'all']);
  });

  it.each([
    ['names the slow checks: the slow one alone', true, ['type-error']],
    ['names none: a slow one with all', false, 'all']
  ])(
    're-checks an unwaived fast check with the fast checks; a server that %s',
    async (_, named, slowRun) => {
      const answer = report([], FAST, 100);
      mock.respondAlways(200, named ? slowNamed(answer) : answer);
      await model.recheck(['undefined-name']);
      expect(mock.requests.map(r => r.body.checks)).toEqual(['fast']);
      await model.recheck(['type-error']);
      expect(mock.requests.map(r => r.body.checks)).toEqual([
        'fast',
        'fast',
        slowRun
      ]);
    }
  );

  it("runs every check when a family is shown again, and hides a family's findings", async () => {
    const typeError = finding('type-error', 0, { family: 'quality' });
    mock.respond(200, slowNamed(report([typeError], [...FAST, ...SLOW], 90)));
    await model.check('all');
    mock.respondAlways(200, slowNamed(report([], FAST, 100)));
    model.settings = { ...model.settings, ignore: ['quality'] };
    await flushPromises(10);
    expect(model.findings).toEqual([]); // the kept type-error finding is of the family hidden
    model.settings = { ...model.settings, ignore: [] };
    await flushPromises(10);
    expect(mock.requests.map(r => r.body.checks).slice(-2)).toEqual([
      'fast',
      'all'
    ]);
  });

  it('runs only the slow check shown again in the settings, black not', async () => {
    mock.respondAlways(200, slowNamed(report([], FAST, 100)));
    model.settings = { ...model.settings, ignore: ['type-error'] };
    await model.check('fast');
    model.settings = { ...model.settings, ignore: [] };
    await flushPromises(10);
    expect(mock.requests.map(r => r.body.checks)).toEqual([
      'fast',
      'fast',
      ['type-error']
    ]);
  });

  it('runs a slow check shown again in the settings at once, a fast one with the fast checks', async () => {
    mock.respondAlways(200, report([], FAST, 100));
    model.settings = {
      ...model.settings,
      ignore: ['type-error', 'undefined-name']
    };
    await model.check('fast');
    model.settings = { ...model.settings, ignore: ['type-error'] };
    await flushPromises(10);
    expect(mock.requests.map(r => r.body.checks)).toEqual(['fast', 'fast']);
    model.settings = { ...model.settings, ignore: [] };
    await flushPromises(10);
    expect(mock.requests.map(r => r.body.checks)).toEqual([
      'fast',
      'fast',
      'fast',
      'all'
    ]);
  });

  it('upToDate is false while an edit waits for its re-check', async () => {
    mock.respondAlways(200, report([], FAST, 100));
    await model.check('all');
    expect(model.upToDate).toBe(true);
    await nb.edit(0, 'import sys');
    expect(model.upToDate).toBe(false);
    jest.advanceTimersByTime(300);
    await flushPromises(10);
    expect(model.upToDate).toBe(true);
  });
});

describe('mergeReports', () => {
  it('keeps slow findings (type-error) through a fast check', () => {
    const full = report(
      [finding('type-error', 0), finding('undefined-name', 1)],
      [...FAST, 'type-error'],
      40
    );
    const fast = report([], FAST, 90);
    const merged = mergeReports(full, fast, 'fast');
    expect(merged.findings.map(f => f.check)).toEqual(['type-error']);
    expect(merged.summary.errors).toBe(1);
    // the kept type error counts: the fast answer's 90 left it out
    expect(merged.score).toBe(80);
  });

  it('keeps the waivers of checks a fast check or an explicit list did not run', () => {
    const full = report([], [...FAST, 'type-error', 'not-black-formatted']);
    full.waived = [finding('type-error', 0), finding('undefined-name', 1)];
    full.summary.waived = 2;
    const fast = report([], FAST, 90);
    fast.waived = [finding('undefined-name', 1)];
    fast.summary.waived = 1;
    const merged = mergeReports(full, fast, 'fast');
    expect(merged.waived.map(f => f.check)).toEqual([
      'type-error',
      'undefined-name'
    ]);
    expect(merged.summary.waived).toBe(2);
    const black = report([], ['not-black-formatted']);
    const afterFix = mergeReports(merged, black, ['not-black-formatted']);
    expect(afterFix.waived.map(f => f.check)).toEqual([
      'type-error',
      'undefined-name'
    ]);
    expect(afterFix.summary.waived).toBe(2);
    const typecheck = report([], ['type-error']);
    const unwaived = mergeReports(afterFix, typecheck, ['type-error']);
    expect(unwaived.waived.map(f => f.check)).toEqual(['undefined-name']);
    expect(unwaived.summary.waived).toBe(1);
  });

  it('replaces everything on "all"', () => {
    const full = report([finding('type-error', 0)], ['type-error'], 40);
    const next = report([], [...FAST, 'type-error'], 100);
    expect(mergeReports(full, next, 'all')).toBe(next);
  });

  it('replaces the findings of an explicit list and scores them all', () => {
    const full = report(
      [finding('type-error', 0), finding('undefined-name', 1)],
      [...FAST, 'type-error'],
      40
    );
    const typecheck = report(
      [finding('type-error', 1, { line: 3 })],
      ['type-error'],
      80
    );
    const merged = mergeReports(full, typecheck, ['type-error']);
    expect(merged.findings.map(f => [f.check, f.cell])).toEqual([
      ['undefined-name', 1],
      ['type-error', 1]
    ]);
    // two errors of two checks, as the server scores them: neither answer's own score
    expect(merged.score).toBe(64);
  });
});

describe('scoreOf', () => {
  /** The cases the server's score is tested on too (tests/test_checks_config.py). */
  const SHARED: {
    cases: { name: string; findings: IFinding[]; score: number }[];
    rounding: { value: number; rounded: number }[];
  } = require('../../tests/data/score_cases.json');

  it('gives the score of every shared case (jupyter_prod_ext/checks/score.py is tested on them)', () => {
    expect(SHARED.cases.length).toBeGreaterThan(10);
    const scores = SHARED.cases.map(c => [c.name, scoreOf(c.findings)]);
    expect(scores).toEqual(SHARED.cases.map(c => [c.name, c.score]));
  });

  it('rounds as the server, a tie up', () => {
    const rounded = SHARED.rounding.map(c => roundScore(c.value));
    expect(rounded).toEqual(SHARED.rounding.map(c => c.rounded));
  });

  it("gives the server's score (jupyter_prod_ext/checks/score.py) of the same findings", () => {
    const of = (check: string, severity: IFinding['severity'], n: number) =>
      Array.from({ length: n }, (_, i) =>
        finding(check, i, { severity, line: i + 1 })
      );
    expect(scoreOf([])).toBe(100);
    // values the server's score() gives for these findings
    expect(scoreOf(of('type-error', 'error', 1))).toBe(80);
    expect(
      scoreOf([
        ...of('type-error', 'error', 5),
        ...of('not-black-formatted', 'warning', 2),
        ...of('redefined-name', 'info', 4),
        ...of('undefined-name', 'error', 1)
      ])
    ).toBe(34);
    // one noisy check counts three times at most
    expect(scoreOf(of('not-black-formatted', 'warning', 40))).toBe(80);
  });
});

describe('hideWaived', () => {
  it("moves a check's findings in the waiver's cell to waived, by cell id", () => {
    const held = report(
      [
        finding('type-error', 2, { cell_id: 'c0' }),
        finding('type-error', 3, { cell_id: 'c1' }),
        finding('undefined-name', 2, { cell_id: 'c0' })
      ],
      FAST
    );
    const place = { cell: 0, cell_id: 'c0' };
    const hidden = hideWaived(held, ['type-error'], place);
    expect(hidden.findings.map(f => [f.check, f.cell_id])).toEqual([
      ['type-error', 'c1'],
      ['undefined-name', 'c0']
    ]);
    expect(hidden.waived.map(f => f.cell_id)).toEqual(['c0']);
    expect(hidden.summary).toMatchObject({ errors: 2, waived: 1 });
    // two errors left: a waived finding costs nothing
    expect(hidden.score).toBe(64);
    expect(hideWaived(held, ['black'], place)).toBe(held);
  });

  it('matches by cell index when findings carry no cell id', () => {
    const held = report(
      [finding('type-error', 0), finding('type-error', 1)],
      FAST
    );
    const hidden = hideWaived(held, ['type-error'], { cell: 1, cell_id: null });
    expect(hidden.findings.map(f => f.cell)).toEqual([0]);
    expect(hidden.waived.map(f => f.cell)).toEqual([1]);
  });
});

describe('shownChecks', () => {
  const settings = (select: string[], ignore: string[]) => ({
    debounceMs: 300,
    mypyOnSave: true,
    select,
    ignore
  });

  it('names the checks taken out of ignore or added to select', () => {
    expect(
      shownChecks(
        settings([], ['type-error', 'secret']),
        settings([], ['secret'])
      )
    ).toEqual(['type-error']);
    expect(
      shownChecks(
        settings(['secret'], []),
        settings(['secret', 'type-error'], [])
      )
    ).toEqual(['type-error']);
  });

  it('names nothing a narrower select or a longer ignore hides', () => {
    expect(shownChecks(settings([], []), settings(['secret'], []))).toEqual([]);
    expect(shownChecks(settings([], []), settings([], ['secret']))).toEqual([]);
    expect(
      shownChecks(
        settings(['secret'], ['type-error']),
        settings(['secret'], [])
      )
    ).toEqual([]);
  });

  it('is null when select is emptied: any check may show again', () => {
    expect(shownChecks(settings(['secret'], []), settings([], []))).toBeNull();
  });
});
