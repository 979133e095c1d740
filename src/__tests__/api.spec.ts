import {
  ApiError,
  errorFromResponse,
  IReport,
  NOT_ENABLED_MESSAGE,
  ProdApi,
  requestAPI
} from '../api';
import { FetchMock } from './fetchMock';

const REPORT: IReport = {
  path: 'a.ipynb',
  score: 72,
  findings: [
    {
      check: 'undefined-name',
      severity: 'error',
      cell: 1,
      cell_id: 'c2',
      line: 1,
      message: "Name 'nowhere' is used but never defined.",
      hint: 'Define it in an earlier cell.',
      fix: null
    }
  ],
  waived: [],
  summary: {
    errors: 1,
    warnings: 0,
    infos: 0,
    waived: 0,
    code_cells: 2,
    checks_run: ['undefined-name']
  }
};

describe('requestAPI', () => {
  it('joins the base URL and our namespace and parses JSON', async () => {
    const mock = new FetchMock().respond(200, { version: '0.1.0', api: 1 });
    const info = await requestAPI<{ version: string }>(
      'version',
      {},
      mock.settings()
    );
    expect(info.version).toBe('0.1.0');
    expect(mock.requests[0].url).toBe(
      'http://localhost:8888/lab-base/jupyter-prod/version'
    );
    expect(mock.requests[0].method).toBe('GET');
  });

  it('maps the server error body to an ApiError with kind and details', async () => {
    const mock = new FetchMock().respond(409, {
      error: 'Refusing to commit: 2 findings of severity error.',
      kind: 'refused',
      details: { reason: 'findings', findings: [], output: '', modified: [] }
    });
    const api = new ProdApi(mock.settings());
    const error = await api
      .commit({ path: 'a.ipynb', message: 'x' })
      .catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe(
      'Refusing to commit: 2 findings of severity error.'
    );
    expect(error.status).toBe(409);
    expect(error.kind).toBe('refused');
    expect(error.details).toEqual({
      reason: 'findings',
      findings: [],
      output: '',
      modified: []
    });
  });

  it('turns a 404 without our error body into the "not enabled" hint', async () => {
    const mock = new FetchMock().respond(
      404,
      '<html><body>404 : Not Found</body></html>',
      'text/html'
    );
    const api = new ProdApi(mock.settings());
    const error = await api.version().catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.kind).toBe('not-enabled');
    expect(error.message).toBe(NOT_ENABLED_MESSAGE);
    expect(error.message).toContain(
      'jupyter server extension enable jupyter_prod_ext'
    );
  });

  it('keeps our own 404 answers (e.g. no repository)', async () => {
    const mock = new FetchMock().respond(404, {
      error:
        'No git repository contains a.ipynb; commit with init=true to create one.',
      kind: 'not-found',
      details: { reason: 'no-repo' }
    });
    const error = await new ProdApi(mock.settings())
      .status('a.ipynb')
      .catch(e => e);
    expect(error.kind).toBe('not-found');
    expect(error.details).toEqual({ reason: 'no-repo' });
    expect(error.message).toMatch(/^No git repository/);
  });

  it('collapses multi-line messages to one line', () => {
    const error = errorFromResponse(
      422,
      JSON.stringify({
        error: 'bad\n  notebook\tJSON',
        kind: 'notebook',
        details: null
      })
    );
    expect(error.message).toBe('bad notebook JSON');
    expect(error.status).toBe(422);
  });

  it('summarizes non-JSON and jupyter_server errors', () => {
    const html = errorFromResponse(502, '<html>Bad gateway</html>');
    expect(html.kind).toBe('http');
    expect(html.message).toBe('jupyter-prod request failed with HTTP 502.');
    const server = errorFromResponse(
      403,
      JSON.stringify({ message: 'Forbidden', reason: null })
    );
    expect(server.message).toBe(
      'jupyter-prod request failed with HTTP 403: Forbidden.'
    );
  });

  it('maps tornado-level JSON errors of our handlers (kind "http")', () => {
    const error = errorFromResponse(
      405,
      JSON.stringify({
        error: 'Method Not Allowed',
        kind: 'http',
        details: null
      })
    );
    expect(error.message).toBe('Method Not Allowed');
    expect(error.status).toBe(405);
  });

  it('reports network failures as an ApiError of kind "network"', async () => {
    const mock = new FetchMock().failNetwork('Failed to fetch');
    const error = await new ProdApi(mock.settings()).version().catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.kind).toBe('network');
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/Cannot reach the Jupyter server/);
  });
});

describe('ProdApi', () => {
  it('POSTs check with path, notebook and checks', async () => {
    const mock = new FetchMock().respond(200, REPORT);
    const api = new ProdApi(mock.settings());
    const notebook = {
      cells: [],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5
    };
    const report = await api.check({
      path: 'a.ipynb',
      notebook,
      checks: 'fast'
    });
    expect(report).toEqual(REPORT);
    expect(mock.requests[0]).toEqual({
      url: 'http://localhost:8888/lab-base/jupyter-prod/check',
      method: 'POST',
      body: { path: 'a.ipynb', notebook, checks: 'fast' }
    });
  });

  it('passes the path of GET routes as a query string', async () => {
    const mock = new FetchMock()
      .respond(200, { repo: null })
      .respond(200, { state: 'idle', cell: null, total: null })
      .respond(204, '');
    const api = new ProdApi(mock.settings());
    await api.status('dir/my nb.ipynb');
    await api.runProgress('a.ipynb');
    await api.cancelRun('a.ipynb');
    expect(mock.requests.map(r => [r.method, r.url])).toEqual([
      [
        'GET',
        'http://localhost:8888/lab-base/jupyter-prod/status?path=dir%2Fmy%20nb.ipynb'
      ],
      ['GET', 'http://localhost:8888/lab-base/jupyter-prod/run?path=a.ipynb'],
      ['DELETE', 'http://localhost:8888/lab-base/jupyter-prod/run?path=a.ipynb']
    ]);
  });

  it('POSTs format with the cells to format', async () => {
    const mock = new FetchMock().respond(200, { cells: [], errors: [] });
    await new ProdApi(mock.settings()).format({ path: 'a.ipynb', cells: [2] });
    expect(mock.requests[0].body).toEqual({ path: 'a.ipynb', cells: [2] });
    expect(mock.requests[0].url).toMatch(/\/jupyter-prod\/format$/);
  });
});

describe('ApiError.from', () => {
  it('keeps an ApiError as it is', () => {
    const error = new ApiError('Not found.', 404, 'not-found', { a: 1 });
    expect(ApiError.from(error)).toBe(error);
  });

  it('wraps anything else as an internal error with its message', () => {
    const wrapped = ApiError.from(new TypeError('Failed to fetch'));
    expect(wrapped).toBeInstanceOf(ApiError);
    expect([wrapped.message, wrapped.status, wrapped.kind]).toEqual([
      'Failed to fetch',
      0,
      'internal'
    ]);
    expect(ApiError.from('boom').message).toBe('boom');
  });
});
