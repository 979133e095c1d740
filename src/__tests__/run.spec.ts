import { IRunReport, ProdApi } from '../api';
import { RunModel } from '../run';
import { FetchMock, flushPromises } from './fetchMock';

const REPORT: IRunReport = {
  path: 'work/a.ipynb',
  score: 80,
  findings: [
    {
      check: 'run-error',
      severity: 'error',
      cell: 3,
      cell_id: 'c3',
      line: null,
      message: "Raised NameError: name 'x' is not defined",
      hint: '',
      fix: null
    }
  ],
  waived: [],
  summary: {
    errors: 1,
    warnings: 0,
    infos: 0,
    waived: 0,
    code_cells: 4,
    checks_run: ['run-error', 'run-timeout', 'output-changed']
  },
  run: {
    cells_run: 4,
    total: 4,
    seconds: 2.5,
    changed: [],
    reproduced: false,
    state: 'done'
  }
};

/** A fetch whose POST run answers only when the test says so. */
class RunFetch extends FetchMock {
  finishRun: ((status: number, body: unknown) => void) | null = null;
  progress: unknown = { state: 'running', cell: 1, total: 4, cells_run: 1 };

  fetch = (request: any): Promise<any> => {
    const body = request.body ? JSON.parse(String(request.body)) : null;
    const url = request.url.replace(/[?&]\d{10,}$/, '');
    this.requests.push({ url, method: request.method, body });
    const answer = (status: number, data: unknown) => ({
      ok: status >= 200 && status < 300,
      status,
      statusText: String(status),
      headers: { get: () => 'application/json', has: () => true },
      text: () => Promise.resolve(JSON.stringify(data)),
      json: () => Promise.resolve(data)
    });
    if (request.method === 'POST') {
      return new Promise(resolve => {
        this.finishRun = (status, data) => resolve(answer(status, data));
      });
    }
    if (request.method === 'DELETE') {
      return Promise.resolve(
        answer(200, { cancelled: true, state: 'running', cell: 1, total: 4 })
      );
    }
    return Promise.resolve(answer(200, this.progress));
  };
}

describe('RunModel', () => {
  let mock: RunFetch;
  let model: RunModel;

  beforeEach(() => {
    jest.useFakeTimers();
    mock = new RunFetch();
    model = new RunModel({
      client: new ProdApi(mock.settings()),
      path: () => 'work/a.ipynb',
      pollMs: 500
    });
  });

  afterEach(() => {
    model.dispose();
    jest.useRealTimers();
  });

  it('posts the content, polls the progress every 500 ms, keeps the report', async () => {
    const content = { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 };
    const done = model.start(content as any, { cell_timeout: 30 });
    expect(model.running).toBe(true);
    expect(mock.requests[0].method).toBe('POST');
    expect(mock.requests[0].url).toBe(
      'http://localhost:8888/lab-base/jupyter-prod/run'
    );
    expect(mock.requests[0].body).toEqual({
      path: 'work/a.ipynb',
      notebook: content,
      cell_timeout: 30
    });
    expect(mock.requests).toHaveLength(1);
    // the poll schedules its first tick once the start's microtasks ran
    await flushPromises(10);
    jest.advanceTimersByTime(499);
    await flushPromises(10);
    expect(mock.requests).toHaveLength(1);
    jest.advanceTimersByTime(1);
    await flushPromises(10);
    expect(mock.requests[1].method).toBe('GET');
    expect(mock.requests[1].url).toBe(
      'http://localhost:8888/lab-base/jupyter-prod/run?path=work%2Fa.ipynb'
    );
    expect(model.progress).toEqual({
      state: 'running',
      cell: 1,
      total: 4,
      cells_run: 1
    });
    mock.progress = { state: 'running', cell: 2, total: 4, cells_run: 2 };
    jest.advanceTimersByTime(500);
    await flushPromises(10);
    expect(mock.requests).toHaveLength(3);
    expect(model.progress?.cells_run).toBe(2);

    mock.finishRun!(200, REPORT);
    await expect(done).resolves.toEqual(REPORT);
    expect(model.running).toBe(false);
    expect(model.report?.run.reproduced).toBe(false);
    expect(model.report?.findings[0].check).toBe('run-error');
    // no more polling once the run answered
    jest.advanceTimersByTime(2000);
    await flushPromises(10);
    expect(mock.requests).toHaveLength(3);
  });

  it('cancels with DELETE', async () => {
    const done = model.start(null);
    const answer = await model.cancel();
    expect(answer?.cancelled).toBe(true);
    expect(model.cancelling).toBe(true);
    const del = mock.requests.find(r => r.method === 'DELETE')!;
    expect(del.url).toBe(
      'http://localhost:8888/lab-base/jupyter-prod/run?path=work%2Fa.ipynb'
    );
    mock.finishRun!(200, {
      ...REPORT,
      run: { ...REPORT.run, state: 'cancelled', cells_run: 1 }
    });
    const report = await done;
    expect(report.run.state).toBe('cancelled');
    expect(await model.cancel()).toBeNull();
  });

  it('rejects with the conflict error when the notebook already runs', async () => {
    const done = model.start(null);
    mock.finishRun!(409, {
      error: 'A run of work/a.ipynb is already in progress.',
      kind: 'conflict',
      details: null
    });
    await expect(done).rejects.toMatchObject({
      kind: 'conflict',
      status: 409
    });
    expect(model.error?.kind).toBe('conflict');
    expect(model.running).toBe(false);
    // a second start while running is refused locally
    void model.start(null).catch(() => undefined);
    await expect(model.start(null)).rejects.toMatchObject({
      kind: 'conflict'
    });
  });
});
