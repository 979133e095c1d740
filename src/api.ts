/**
 * Request layer of the `jupyter-prod` REST API (docs/API.md) and the
 * TypeScript mirror of the server's JSON shapes (jupyter_prod_ext/types.py).
 *
 * Keys are public contracts: never rename one that shipped; change this file
 * and the Python TypedDicts together.
 */
import { URLExt } from '@jupyterlab/coreutils';
import type * as nbformat from '@jupyterlab/nbformat';
import { ServerConnection } from '@jupyterlab/services';

import type { IDeltaNotebook, IMissingAnswer } from './delta';

/** URL namespace of every route of the server extension. */
export const API_NAMESPACE = 'jupyter-prod';

/** Version of the REST contract this frontend speaks (`GET version` → `api`). */
export const API_VERSION = 1;

/** One-line hint shown when our routes are missing from the server. */
export const NOT_ENABLED_MESSAGE =
  'The jupyter_prod_ext server extension is not enabled: run `jupyter server extension enable jupyter_prod_ext` and restart Jupyter.';

// ---------------------------------------------------------------------------
// JSON shapes (mirror of jupyter_prod_ext/types.py)
// ---------------------------------------------------------------------------

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: ReadonlyArray<Severity> = ['error', 'warning', 'info'];

/** An exact edit that resolves a finding: new source for whole cells. */
export interface IFix {
  description: string;
  /** cell index (as a string key) -> full new source of that cell */
  cells: { [cell: string]: string };
}

export interface IFinding {
  check: string;
  severity: Severity;
  /** 0-based index among all cells, or null for notebook-level findings. */
  cell: number | null;
  cell_id: string | null;
  /** 1-based line in the cell. */
  line: number | null;
  message: string;
  hint: string;
  fix: IFix | null;
  /** Family of the check, when the server sends it (optional, newer servers). */
  family?: string;
}

export interface IReportSummary {
  errors: number;
  warnings: number;
  infos: number;
  waived: number;
  code_cells: number;
  checks_run: string[];
}

export interface IReport {
  path: string;
  score: number;
  findings: IFinding[];
  waived: IFinding[];
  summary: IReportSummary;
}

export interface IFileError {
  path: string;
  message: string;
}

/** `jupyter-prod check --format json` output. */
export interface ICheckOutput {
  version: number;
  notebooks: IReport[];
  errors: IFileError[];
}

/** Body of every non-2xx answer of our routes. */
export interface IErrorBody {
  error: string;
  kind: string;
  details: unknown | null;
}

/** `"fast"`, `"all"` or an explicit list of check ids. */
export type ChecksSelection = 'fast' | 'all' | string[];

export interface ICheckRequest {
  path: string;
  notebook?: nbformat.INotebookContent;
  /** the notebook as a delta: sources the server has seen travel as hashes (src/delta.ts) */
  delta?: IDeltaNotebook;
  checks?: ChecksSelection;
  /** only run/report these check ids */
  select?: string[];
  /** never report these check ids */
  ignore?: string[];
}

export interface IFormatRequest {
  path: string;
  notebook?: nbformat.INotebookContent;
  /** default: all code cells */
  cells?: number[];
}

export interface IFormattedCell {
  cell: number;
  cell_id: string | null;
  source: string;
  changed: boolean;
}

export interface IFormatResult {
  cells: IFormattedCell[];
  errors: { cell: number; message: string }[];
}

export type UnmovedChoice = 'parameter' | 'move' | 'cancel';

export interface IPromoteRequest {
  path: string;
  notebook?: nbformat.INotebookContent;
  cells?: (number | string)[];
  names?: string[];
  to: string;
  as_function?: string;
  dry_run?: boolean;
  rewrite?: boolean;
  tests?: boolean;
  force?: boolean;
  unmoved?: { [name: string]: UnmovedChoice };
  /** `preview_sha256` of the preview the user approved: refused if the result would differ */
  expect?: string;
}

/**
 * An edit of the notebook answered by `promote`, applied in the given order;
 * `cell` is an index of the ORIGINAL notebook (for `insert`: insert before it).
 */
export type IEdit =
  | { op: 'replace'; cell: number; cell_id: string | null; source: string }
  | { op: 'delete'; cell: number; cell_id: string | null }
  | { op: 'insert'; cell: number; source: string; cell_type: 'code' }
  | { op: 'metadata'; metadata: { [key: string]: unknown } };

export interface IPromoteResult {
  version: number;
  ok: boolean;
  dry_run: boolean;
  module_path: string;
  module_source: string;
  module_diff: string;
  notebook_diff: string;
  notebook_edits: IEdit[];
  slice: {
    name: string;
    kind: string;
    cell: number;
    cell_id: string | null;
    reason: string;
  }[];
  unmoved: {
    name: string;
    cell: number;
    line: number | null;
    reason: string;
    /** only the choices that work for this name */
    choices: UnmovedChoice[];
    /** choice -> what it does, in one line */
    consequences: { [choice: string]: string };
    suggested: UnmovedChoice;
  }[];
  typecheck: {
    ran: boolean;
    message: string;
    errors: {
      module_line: number;
      cell: number | null;
      cell_line: number | null;
      message: string;
    }[];
  };
  problems: string[];
  /** the problems with their stable reason ids (same order) */
  refusals: { reason: string; message: string }[];
  warnings: string[];
  drift: {
    name: string;
    state: 'cell-changed' | 'module-edited';
    message: string;
    /** the definition's current text in the module, or null */
    module_text: string | null;
  }[];
  tests_path: string | null;
  untested: string[];
  written: string[];
  /** fingerprint of what this result shows; send it back as `expect` to apply exactly this */
  preview_sha256: string;
  /** a function name the preview can offer for the selected cells' statements (`as_function`), or null */
  function_offer: string | null;
}

export interface ICommitRequest {
  path: string;
  paths?: string[];
  message: string;
  code_only?: boolean;
  allow_findings?: boolean;
  init?: boolean;
}

export interface ICommitResult {
  commit: string;
  short: string;
  branch: string;
  files: string[];
  code_only: boolean;
  hook_output: string;
  /** one-line summary of what was committed (e.g. without outputs) */
  message: string;
  gate: { blocked: boolean; findings: IFinding[] };
}

/** `details` of a 409 `kind: "refused"` answer to `POST commit`. */
export interface ICommitRefusal {
  reason: 'secrets' | 'findings' | 'hook' | 'hook-modified';
  findings: IFinding[];
  output: string;
  modified: string[];
}

export type FileState =
  'untracked' | 'modified' | 'staged' | 'clean' | 'ignored';

export interface IStatusResult {
  repo: string | null;
  branch: string | null;
  head: string | null;
  detached: boolean;
  operation: null | 'merge' | 'rebase' | 'cherry-pick' | 'revert';
  files: { path: string; state: FileState }[];
  log: {
    commit: string;
    short: string;
    subject: string;
    author: string;
    date: string;
  }[];
}

export interface IRunRequest {
  path: string;
  notebook?: nbformat.INotebookContent;
  timeout?: number;
  cell_timeout?: number;
  normalize?: ('addresses' | 'timestamps' | 'durations')[];
}

export type RunState = 'idle' | 'queued' | 'running' | 'done' | 'cancelled';

export interface IRunReport extends IReport {
  run: {
    cells_run: number;
    total: number;
    seconds: number;
    changed: number[];
    reproduced: boolean;
    state: RunState;
  };
}

export interface IRunProgress {
  state: RunState;
  /** index (0-based among all cells) of the cell running now */
  cell: number | null;
  /** code cells with source (what a full run executes) */
  total: number | null;
  /** code cells that finished */
  cells_run?: number;
}

/** Answer of `DELETE run?path=`. */
export interface ICancelRunResult extends IRunProgress {
  cancelled: boolean;
}

export interface IVersionInfo {
  version: string;
  api: number;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * An error answered by the server (or the network), carrying the server's
 * one-line `error` as `message`, its family as `kind` and structured `details`.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly kind: string,
    readonly details: unknown | null = null
  ) {
    super(message);
    this.name = 'ApiError';
    // Keep `instanceof` working when compiled down to ES5-style classes.
    Object.setPrototypeOf(this, ApiError.prototype);
  }

  /**
   * Anything a request threw, as an `ApiError`: itself when it is one, else
   * an `internal` error (status 0) with its message, so every view shows and
   * tests one error shape.
   */
  static from(error: unknown): ApiError {
    if (error instanceof ApiError) {
      return error;
    }
    const message = error instanceof Error ? error.message : String(error);
    return new ApiError(message, 0, 'internal', null);
  }
}

function isErrorBody(data: unknown): data is IErrorBody {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as IErrorBody).error === 'string' &&
    typeof (data as IErrorBody).kind === 'string'
  );
}

function oneLine(text: string, max = 300): string {
  const line = text.split(/\s+/).join(' ').trim();
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

/**
 * Map a non-2xx answer to an `ApiError`.
 *
 * Our routes always answer `{"error", "kind", "details"}`; an answer without
 * that body on a 404 means the routes are not registered at all (the server
 * extension is not enabled), which is the first thing a user must fix.
 */
export function errorFromResponse(status: number, text: string): ApiError {
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (isErrorBody(data) && data.kind !== 'http') {
    return new ApiError(
      oneLine(data.error) || `HTTP ${status}`,
      status,
      data.kind,
      data.details ?? null
    );
  }
  if (status === 404) {
    return new ApiError(NOT_ENABLED_MESSAGE, 404, 'not-enabled', null);
  }
  if (isErrorBody(data)) {
    // tornado-level errors of our handlers (403 from auth, 405...)
    return new ApiError(
      oneLine(data.error) || `HTTP ${status}`,
      status,
      data.kind,
      data.details ?? null
    );
  }
  // jupyter_server's own JSON errors use `message`; HTML pages are summarized.
  const message =
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { message?: unknown }).message === 'string'
      ? (data as { message: string }).message
      : '';
  return new ApiError(
    `jupyter-prod request failed with HTTP ${status}${message ? `: ${oneLine(message)}` : ''}.`,
    status,
    'http',
    null
  );
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/**
 * Call a route of the server extension and parse its JSON answer.
 *
 * @param endPoint path under `{baseUrl}jupyter-prod/` (may carry a query)
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ApiError(
      `Cannot reach the Jupyter server (${oneLine(reason)}); is it still running?`,
      0,
      'network',
      null
    );
  }
  const text = await response.text();
  if (!response.ok) {
    throw errorFromResponse(response.status, text);
  }
  if (!text) {
    return undefined as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(
      `The server answered ${endPoint} with something that is not JSON.`,
      response.status,
      'http',
      null
    );
  }
}

function post<T>(
  endPoint: string,
  body: object,
  settings?: ServerConnection.ISettings
): Promise<T> {
  return requestAPI<T>(
    endPoint,
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** Typed client of every route; one instance per server connection. */
export class ProdApi {
  constructor(
    readonly serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  /** A report; for a `delta` request, possibly the hashes to send again. */
  check(request: ICheckRequest): Promise<IReport | IMissingAnswer> {
    return post<IReport | IMissingAnswer>(
      'check',
      request,
      this.serverSettings
    );
  }

  format(request: IFormatRequest): Promise<IFormatResult> {
    return post<IFormatResult>('format', request, this.serverSettings);
  }

  promote(request: IPromoteRequest): Promise<IPromoteResult> {
    return post<IPromoteResult>('promote', request, this.serverSettings);
  }

  commit(request: ICommitRequest): Promise<ICommitResult> {
    return post<ICommitResult>('commit', request, this.serverSettings);
  }

  status(path: string): Promise<IStatusResult> {
    return requestAPI<IStatusResult>(
      'status' + URLExt.objectToQueryString({ path }),
      { method: 'GET' },
      this.serverSettings
    );
  }

  run(request: IRunRequest): Promise<IRunReport> {
    return post<IRunReport>('run', request, this.serverSettings);
  }

  runProgress(path: string): Promise<IRunProgress> {
    return requestAPI<IRunProgress>(
      'run' + URLExt.objectToQueryString({ path }),
      { method: 'GET' },
      this.serverSettings
    );
  }

  cancelRun(path: string): Promise<ICancelRunResult> {
    return requestAPI<ICancelRunResult>(
      'run' + URLExt.objectToQueryString({ path }),
      { method: 'DELETE' },
      this.serverSettings
    );
  }

  version(): Promise<IVersionInfo> {
    return requestAPI<IVersionInfo>(
      'version',
      { method: 'GET' },
      this.serverSettings
    );
  }
}
