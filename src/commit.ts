/**
 * Commit state of one open notebook: the git status of the notebook and its
 * promoted modules, the user's selection and message, and the outcome of the
 * last commit (success, refusal by the gate or a hook, git problem, no repo).
 *
 * No DOM and no JupyterLab widgets: the panel renders it, the command saves
 * the notebook and calls `commit()`; tests drive it with a mocked `fetch`.
 */
import { ISignal, Signal } from '@lumino/signaling';

import {
  ApiError,
  ICommitRefusal,
  ICommitRequest,
  ICommitResult,
  IFinding,
  IStatusResult
} from './api';

/** The part of `ProdApi` the commit model uses. */
export interface ICommitClient {
  commit(request: ICommitRequest): Promise<ICommitResult>;
  status(path: string, renamedFrom?: string[]): Promise<IStatusResult>;
}

/** Why the last commit did not happen, in a shape the panel can render. */
export type CommitFailure =
  | {
      kind: 'refused';
      message: string;
      reason: ICommitRefusal['reason'];
      findings: IFinding[];
      /** hook output, verbatim */
      output: string;
      modified: string[];
    }
  | { kind: 'git'; message: string }
  | { kind: 'no-repo'; message: string }
  | { kind: 'other'; message: string; error: ApiError };

/** What the gate will decide, from the notebook's last report. */
export interface IGateVerdict {
  /** 'secrets' and 'findings' block ('findings' can be overridden) */
  state: 'ok' | 'findings' | 'secrets' | 'unknown';
  findings: IFinding[];
}

/**
 * What the commit gate will decide on a report, as the server says it: each
 * finding carries its `commit_gate` ("always": a secret, no override;
 * "unless-allowed": an error finding), decided by the one rule on the server
 * (jupyter_prod_ext/checks/registry.py `commit_gate`), never derived here.
 */
export function gateVerdict(findings: IFinding[] | null): IGateVerdict {
  if (findings === null) {
    return { state: 'unknown', findings: [] };
  }
  const secrets = findings.filter(f => f.commit_gate === 'always');
  if (secrets.length > 0) {
    return { state: 'secrets', findings: secrets };
  }
  const errors = findings.filter(f => f.commit_gate === 'unless-allowed');
  if (errors.length > 0) {
    return { state: 'findings', findings: errors };
  }
  return { state: 'ok', findings: [] };
}

/** The wire's refusal reasons (keyed by the generated type: a new reason fails the build until listed). */
const REFUSAL_REASONS: Record<ICommitRefusal['reason'], true> = {
  secrets: true,
  findings: true,
  hook: true,
  'hook-modified': true
};

function isRefusalReason(value: unknown): value is ICommitRefusal['reason'] {
  return (
    typeof value === 'string' &&
    Object.prototype.hasOwnProperty.call(REFUSAL_REASONS, value)
  );
}

/** Map an error of `POST commit` to what the panel shows. */
export function commitFailure(error: unknown): CommitFailure {
  const api = ApiError.from(error);
  const details = (api.details ?? {}) as {
    [key in keyof ICommitRefusal]?: unknown;
  };
  if (api.kind === 'refused') {
    const reason = isRefusalReason(details.reason)
      ? details.reason
      : 'findings';
    return {
      kind: 'refused',
      message: api.message,
      reason,
      findings: Array.isArray(details.findings)
        ? (details.findings as IFinding[])
        : [],
      output: typeof details.output === 'string' ? details.output : '',
      modified: Array.isArray(details.modified)
        ? (details.modified as string[])
        : []
    };
  }
  if (api.kind === 'git') {
    return { kind: 'git', message: api.message };
  }
  if (api.status === 404 && details.reason === 'no-repo') {
    return { kind: 'no-repo', message: api.message };
  }
  return { kind: 'other', message: api.message, error: api };
}

/** Files that are worth committing by default. */
function isChangedState(state: string): boolean {
  return state === 'untracked' || state === 'modified' || state === 'staged';
}

export class CommitModel {
  constructor(options: CommitModel.IOptions) {
    this._client = options.client;
    this._path = options.path;
    this._codeOnly = options.codeOnly ?? true;
    this._dirty = options.dirty ?? (() => false);
  }

  /** Emitted on every change of status, selection, busy state or outcome. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The notebook's path relative to the server root. */
  get path(): string {
    return this._path();
  }

  get status(): IStatusResult | null {
    return this._status;
  }

  /** Error of the last status request (cleared by the next good one). */
  get statusError(): ApiError | null {
    return this._statusError;
  }

  /** True while a commit request is in flight. */
  get committing(): boolean {
    return this._committing;
  }

  /** True while a status request is in flight. */
  get refreshing(): boolean {
    return this._refreshing > 0;
  }

  get message(): string {
    return this._message;
  }

  set message(value: string) {
    if (value !== this._message) {
      this._message = value;
      this._changed.emit();
    }
  }

  get codeOnly(): boolean {
    return this._codeOnly;
  }

  set codeOnly(value: boolean) {
    if (value !== this._codeOnly) {
      this._codeOnly = value;
      this._changed.emit();
    }
  }

  /** Outcome of the last commit attempt (null: none, or cleared). */
  get failure(): CommitFailure | null {
    return this._failure;
  }

  get lastResult(): ICommitResult | null {
    return this._lastResult;
  }

  /** Paths (relative to the server root) the user ticked. */
  get selected(): ReadonlySet<string> {
    return this._selected;
  }

  isSelected(path: string): boolean {
    return this._selected.has(path);
  }

  setSelected(path: string, value: boolean): void {
    const had = this._selected.has(path);
    if (value && !had) {
      this._selected.add(path);
    } else if (!value && had) {
      this._selected.delete(path);
    } else {
      return;
    }
    this._touched.add(path);
    this._changed.emit();
  }

  /**
   * The notebook was renamed away from `oldPath`: the next commit asks the
   * server to commit that name's removal with the notebook (git then records a
   * rename; the server leaves alone a name that is untracked or back on disk).
   */
  renamed(oldPath: string): void {
    this._renamedFrom.add(oldPath);
  }

  /** The notebook's earlier names to send (the current one never is: renamed back and forth). */
  private _earlierNames(): string[] {
    return Array.from(this._renamedFrom).filter(p => p !== this.path);
  }

  /**
   * Nothing is left to commit: git's last status lists every file unchanged
   * (or ignored), none carries a rename, and the notebook has no unsaved edit
   * (a commit saves it first). With outputs kept (`codeOnly` off) the status
   * cannot tell (it reads a notebook whose outputs alone differ as unchanged),
   * so the commit is left to the server.
   */
  get nothingToCommit(): boolean {
    const status = this._status;
    if (!status || status.repo === null || !this._codeOnly || this._dirty()) {
      return false;
    }
    return (
      status.files.length > 0 &&
      status.files.every(
        f =>
          (f.state === 'clean' || f.state === 'ignored') &&
          !(f.renamed_from ?? []).length
      )
    );
  }

  /** The notebook's unsaved state changed (`nothingToCommit` reads it): re-render. */
  dirtyChanged(): void {
    this._changed.emit();
  }

  /** Files of the last status (the notebook's modules among them), to re-read the status when one is saved. */
  lists(path: string): boolean {
    return (this._status?.files ?? []).some(f => f.path === path);
  }

  /** Forget the outcome of the last attempt (e.g. the user edited again). */
  clearFailure(): void {
    if (this._failure) {
      this._failure = null;
      this._changed.emit();
    }
  }

  /**
   * Fetch the git status of the notebook and its modules. Changed files are
   * ticked by default; the user's own choices are kept across refreshes.
   * Never rejects: a failure is kept in `statusError`.
   */
  async refresh(): Promise<IStatusResult | null> {
    this._refreshing += 1;
    this._changed.emit();
    try {
      const asked = this.path;
      const status = await this._client.status(asked, this._earlierNames());
      if (asked !== this.path) {
        // renamed meanwhile: this answer is about the old name (the rename's own refresh follows)
        return this._status;
      }
      this._status = status;
      this._statusError = null;
      const paths = new Set(status.files.map(f => f.path));
      for (const file of status.files) {
        if (!this._touched.has(file.path)) {
          if (isChangedState(file.state)) {
            this._selected.add(file.path);
          } else {
            this._selected.delete(file.path);
          }
        }
      }
      for (const path of Array.from(this._selected)) {
        if (!paths.has(path)) {
          this._selected.delete(path);
        }
      }
      return status;
    } catch (error) {
      this._statusError = ApiError.from(error);
      return null;
    } finally {
      this._refreshing -= 1;
      this._changed.emit();
    }
  }

  /**
   * The request `commit()` sends. `paths` is omitted when every listed file
   * is ticked (the server's default: the notebook and its modules).
   */
  request(
    options: { allowFindings?: boolean; init?: boolean } = {}
  ): ICommitRequest {
    const request: ICommitRequest = {
      path: this.path,
      message: this._message,
      code_only: this._codeOnly
    };
    const files = this._status?.files ?? [];
    if (
      files.length > 0 &&
      files.some(f => !this._selected.has(f.path) && f.state !== 'ignored')
    ) {
      request.paths = files.map(f => f.path).filter(p => this._selected.has(p));
    }
    const renamedFrom = this._earlierNames();
    if (renamedFrom.length > 0) {
      request.renamed_from = renamedFrom;
    }
    if (options.allowFindings) {
      request.allow_findings = true;
    }
    if (options.init) {
      request.init = true;
    }
    return request;
  }

  /**
   * Commit. Resolves with the result, or `null` when the commit did not
   * happen (`failure` says why). The message box is cleared on success and
   * the status (files and log) re-read.
   */
  async commit(
    options: { allowFindings?: boolean; init?: boolean } = {}
  ): Promise<ICommitResult | null> {
    if (this._committing) {
      return null;
    }
    if (!this._message.trim()) {
      return this._refuse('The commit message is empty: say what changed.');
    }
    if (this.nothingToCommit) {
      return this._refuse(
        'Nothing to commit: no file changed since the last commit.'
      );
    }
    const request = this.request(options);
    if (request.paths && request.paths.length === 0) {
      const changed = (this._status?.files ?? []).some(f =>
        isChangedState(f.state)
      );
      return this._refuse(
        changed
          ? 'Nothing to commit: tick at least one file.'
          : 'Nothing to commit: no file changed since the last commit.'
      );
    }
    this._committing = true;
    this._failure = null;
    this._changed.emit();
    try {
      const result = await this._client.commit(request);
      this._lastResult = result;
      this._message = '';
      this._touched.clear();
      if (!request.paths || request.paths.includes(request.path)) {
        // the renames sent are in git now; one made while the commit ran is not
        for (const name of request.renamed_from ?? []) {
          this._renamedFrom.delete(name);
        }
      }
      return result;
    } catch (error) {
      this._failure = commitFailure(error);
      return null;
    } finally {
      this._committing = false;
      this._changed.emit();
      await this.refresh();
    }
  }

  dispose(): void {
    Signal.clearData(this);
  }

  /** Refuse a commit before asking the server (an input problem): `failure` says why. */
  private _refuse(message: string): null {
    this._failure = {
      kind: 'other',
      message,
      error: new ApiError(message, 400, 'input', null)
    };
    this._changed.emit();
    return null;
  }

  private _client: ICommitClient;
  private _path: () => string;
  private _status: IStatusResult | null = null;
  private _statusError: ApiError | null = null;
  private _refreshing = 0;
  private _committing = false;
  private _message = '';
  private _codeOnly: boolean;
  private _dirty: () => boolean;
  private _failure: CommitFailure | null = null;
  private _lastResult: ICommitResult | null = null;
  private _selected = new Set<string>();
  /** paths whose box the user clicked since the last commit */
  private _touched = new Set<string>();
  /** the notebook's earlier paths, since its last commit (see `renamed`) */
  private _renamedFrom = new Set<string>();
  private _changed = new Signal<this, void>(this);
}

export namespace CommitModel {
  export interface IOptions {
    client: ICommitClient;
    /** the notebook's current path (it follows renames) */
    path: () => string;
    codeOnly?: boolean;
    /** whether the notebook has unsaved edits (default: never) */
    dirty?: () => boolean;
  }
}
