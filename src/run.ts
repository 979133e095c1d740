/**
 * Clean-kernel run of one open notebook: POST run with the editor's content,
 * GET run every `pollMs` for the progress while the POST is pending, DELETE
 * run to cancel; keeps the last run report (findings `run-error`,
 * `run-timeout`, `output-changed` and the `run` summary).
 */
import type * as nbformat from '@jupyterlab/nbformat';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  ApiError,
  ICancelRunResult,
  IRunProgress,
  IRunReport,
  IRunRequest
} from './api';

/** The part of `ProdApi` the run model uses. */
export interface IRunClient {
  run(request: IRunRequest): Promise<IRunReport>;
  runProgress(path: string): Promise<IRunProgress>;
  cancelRun(path: string): Promise<ICancelRunResult>;
}

export class RunModel {
  constructor(options: RunModel.IOptions) {
    this._client = options.client;
    this._path = options.path;
    this._pollMs = options.pollMs ?? 500;
  }

  /** Emitted on every change of progress, report or error. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get path(): string {
    return this._path();
  }

  /** True from `start()` until the POST answered (or failed). */
  get running(): boolean {
    return this._running;
  }

  /** Last progress polled while running (null before the first answer). */
  get progress(): IRunProgress | null {
    return this._progress;
  }

  /** Report of the last finished (or cancelled) run. */
  get report(): IRunReport | null {
    return this._report;
  }

  /** Error of the last run (cleared by the next start). */
  get error(): ApiError | null {
    return this._error;
  }

  /** True once `cancel()` was asked during the current run. */
  get cancelling(): boolean {
    return this._cancelling;
  }

  /**
   * Run `notebook` in a fresh kernel. Resolves with the report; rejects with
   * the `ApiError` (also kept in `error`), e.g. 409 `conflict` when a run of
   * this notebook is already in progress.
   */
  async start(
    notebook?: nbformat.INotebookContent | null,
    options: Omit<IRunRequest, 'path' | 'notebook'> = {}
  ): Promise<IRunReport> {
    if (this._running) {
      throw new ApiError(
        'A clean run of this notebook is already in progress.',
        409,
        'conflict',
        null
      );
    }
    const path = this.path;
    const request: IRunRequest = { path, ...options };
    if (notebook) {
      request.notebook = notebook;
    }
    this._running = true;
    this._cancelling = false;
    this._error = null;
    this._progress = null;
    this._changed.emit();
    this._schedulePoll(path);
    try {
      const report = await this._client.run(request);
      this._report = report;
      return report;
    } catch (reason) {
      const error = ApiError.from(reason);
      this._error = error;
      throw error;
    } finally {
      this._running = false;
      this._stopPolling();
      if (!this._isDisposed) {
        this._changed.emit();
      }
    }
  }

  /** Ask the server to stop the current run; the POST then answers. */
  async cancel(): Promise<ICancelRunResult | null> {
    if (!this._running) {
      return null;
    }
    this._cancelling = true;
    this._changed.emit();
    return this._client.cancelRun(this.path);
  }

  /** Query the progress once (also what the poll runs). */
  async poll(path: string = this.path): Promise<IRunProgress | null> {
    try {
      const progress = await this._client.runProgress(path);
      if (this._running && !this._isDisposed) {
        this._progress = progress;
        this._changed.emit();
      }
      return progress;
    } catch {
      // progress is best effort: the POST's answer is what counts
      return null;
    }
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._stopPolling();
    Signal.clearData(this);
  }

  /**
   * Poll the progress every `pollMs` until the run answers: the first request
   * one interval after the start, each next one an interval after the last
   * answer (a slow answer is never overtaken), also while the tab is hidden.
   */
  private _schedulePoll(path: string): void {
    this._stopPolling();
    const poll = new Poll({
      auto: false,
      factory: () => this.poll(path),
      frequency: { interval: this._pollMs, backoff: false },
      name: 'jupyter-prod-ext:run-progress',
      standby: 'never'
    });
    this._poll = poll;
    void poll.schedule({ interval: this._pollMs, phase: 'started' });
  }

  private _stopPolling(): void {
    this._poll?.dispose();
    this._poll = null;
  }

  private _client: IRunClient;
  private _path: () => string;
  private _pollMs: number;
  private _running = false;
  private _cancelling = false;
  private _progress: IRunProgress | null = null;
  private _report: IRunReport | null = null;
  private _error: ApiError | null = null;
  private _poll: Poll | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace RunModel {
  export interface IOptions {
    client: IRunClient;
    path: () => string;
    /** delay between two progress polls; default 500 ms */
    pollMs?: number;
  }
}
