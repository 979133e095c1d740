/**
 * Request layer of the `jupyter-prod` REST API (docs/API.md). The JSON shapes
 * come from the one wire contract, jupyter_prod_ext/wire.py, through the
 * generated ./wire (`jlpm build:wire`): keys are public contracts, never
 * rename one that shipped.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { IMissingAnswer } from './delta';
import type { IMissingCellsBaseAnswer } from './wire';

/** URL namespace of every route of the server extension. */
export const API_NAMESPACE = 'jupyter-prod';

/** Version of the REST contract this frontend speaks (`GET version` → `api`). */
export const API_VERSION = 1;

/** One-line hint shown when our routes are missing from the server. */
export const NOT_ENABLED_MESSAGE =
  'The jupyter_prod_ext server extension is not enabled: run `jupyter server extension enable jupyter_prod_ext` and restart Jupyter.';

// ---------------------------------------------------------------------------
// JSON shapes: generated from jupyter_prod_ext/wire.py into ./wire (never by
// hand); re-exported under the names the views have always used.
// ---------------------------------------------------------------------------

export type {
  CommitGate,
  FileState,
  IEdit,
  ICheckOutput,
  ICheckRequest,
  ICommitRequest,
  ICommitResult,
  IErrorBody,
  IFileError,
  IFinding,
  IFix,
  IFormatRequest,
  IPromoteRequest,
  IPromoteResult,
  IReport,
  IReportDelta,
  IReportSummary,
  IRunReport,
  IRunRequest,
  RefusalReason,
  RunState,
  Severity,
  UnmovedChoice
} from './wire';
import type {
  ICancelRunAnswer,
  ICellFormat,
  ICheckRequest,
  ICommitRefusalDetails,
  ICommitRequest,
  ICommitResult,
  IErrorBody,
  IFormatAnswer,
  IFormatRequest,
  IPromoteRequest,
  IPromoteResult,
  IPublicProgress,
  IReport,
  IReportDelta,
  IRunReport,
  IRunRequest,
  IStatus,
  IVersion,
  Severity,
  ChecksPreset
} from './wire';

export const SEVERITIES: ReadonlyArray<Severity> = ['error', 'warning', 'info'];

/** `"fast"`, `"all"` or an explicit list of check ids. */
export type ChecksSelection = ChecksPreset | string[];
export type IFormattedCell = ICellFormat;
export type IFormatResult = IFormatAnswer;
/** `details` of a 409 `kind: "refused"` answer to `POST commit`. */
export type ICommitRefusal = ICommitRefusalDetails;
export type IStatusResult = IStatus;
export type IRunProgress = IPublicProgress;
/** Answer of `DELETE run?path=`. */
export type ICancelRunResult = ICancelRunAnswer;
export type IVersionInfo = IVersion;

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

/**
 * Whether the server replaced this request by a newer one of the same notebook
 * (409, `details.reason` "superseded"): not a failure, the newer answer is the
 * one to show.
 */
export function isSuperseded(error: ApiError): boolean {
  const details = error.details as { reason?: unknown } | null;
  return error.status === 409 && details?.reason === 'superseded';
}

/**
 * Whether the notebook is in another language (R, Julia, ...): 422 with
 * `details.reason` "not-python". The checks do not apply to it, so the panel
 * shows the server's line as a note and no error pops up on opening it.
 */
export function isNotPython(error: ApiError): boolean {
  const details = error.details as { reason?: unknown } | null;
  return details?.reason === 'not-python';
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

  /**
   * A report; for a `delta` request, possibly the hashes to send again; for a
   * request naming `findings_base`, possibly the findings as a delta; for a
   * delta naming a `cells_base` the server no longer holds, a request to send
   * every cell.
   */
  check(
    request: ICheckRequest
  ): Promise<
    IReport | IReportDelta | IMissingAnswer | IMissingCellsBaseAnswer
  > {
    return post<
      IReport | IReportDelta | IMissingAnswer | IMissingCellsBaseAnswer
    >('check', request, this.serverSettings);
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

  /**
   * The git state of the notebook and its files; `renamedFrom`: its earlier
   * names the panel saw (each a repeated `renamed_from`), so a file's
   * `renamed_from` previews the renames a commit would record.
   */
  status(path: string, renamedFrom: string[] = []): Promise<IStatusResult> {
    const earlier = renamedFrom
      .map(p => '&renamed_from=' + encodeURIComponent(p))
      .join('');
    return requestAPI<IStatusResult>(
      'status' + URLExt.objectToQueryString({ path }) + earlier,
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
