/**
 * Per-notebook readiness state: the last report, whether a check is running,
 * the last error, and the debounced re-check of the editor's current content.
 *
 * The model never touches the DOM nor JupyterLab widgets: it talks to the
 * notebook through `INotebookSource` (see `sourceFromPanel`) so it can be
 * tested with plain objects.
 */
import type { ICellModel } from '@jupyterlab/cells';
import type * as nbformat from '@jupyterlab/nbformat';
import type { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import { Debouncer } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  ApiError,
  ChecksSelection,
  ICheckRequest,
  IFinding,
  IReport,
  IReportDelta,
  isNotPython,
  isSuperseded
} from './api';
import { HeldCells, isMissingCellsBase } from './cellsRanges';
import {
  DeltaTracker,
  ICellSnapshot,
  IFullDelta,
  IMissingAnswer,
  INotebookSnapshot,
  isMissingAnswer,
  needsOutputs
} from './delta';
import { HeldReports } from './findingsDelta';
import { IUnsavedCells, SavedCells } from './savedCells';
import { jsonEqual } from './jsonEqual';
import { hideWaived, mergeReports, scoreOf, WaiverPlace } from './reports';
import type { IMissingCellsBaseAnswer } from './wire';

export { countBySeverity, mergeReports } from './reports';

/** What the model needs from an open notebook. */
export interface INotebookSource {
  /** Path relative to the server root (`/`-separated). */
  readonly path: string;
  /**
   * The editor's current cells (unsaved edits included), read from the cell
   * models: what a keystroke's delta is built from.
   */
  getSnapshot(): INotebookSnapshot | null;
  /**
   * The editor's current nbformat JSON: only for the whole-notebook request
   * the delta falls back to when the server still lacks sources.
   */
  getContent(): nbformat.INotebookContent | null;
  /** Emitted on every edit of the notebook (sources, metadata, cells). */
  readonly contentChanged: ISignal<unknown, unknown>;
  /** Emitted after the notebook was saved to disk. */
  readonly saved: ISignal<unknown, unknown>;
  /**
   * The cell changes not saved yet (null when the cells are as saved, even
   * if the kernel made the notebook dirty): what Promote's save writes too.
   */
  unsavedCells?(): IUnsavedCells | null;
}

/** The part of `ProdApi` the model uses (a seam for tests). */
export interface ICheckClient {
  check(
    request: ICheckRequest
  ): Promise<IReport | IReportDelta | IMissingAnswer | IMissingCellsBaseAnswer>;
}

/** Settings that change what the model does or shows. */
export interface IModelSettings {
  /** Delay after the last edit before a fast re-check; default 300 ms. */
  debounceMs: number;
  /** Only show findings of these check ids (empty: all). */
  select: string[];
  /** Never show findings of these check ids. */
  ignore: string[];
  /** Run `'all'` (type check included) instead of `'fast'` on save. */
  mypyOnSave: boolean;
}

export const DEFAULT_MODEL_SETTINGS: IModelSettings = {
  debounceMs: 300,
  select: [],
  ignore: [],
  mypyOnSave: true
};

/**
 * Notebook metadata as the server should see it.
 *
 * JupyterLab writes `language_info: {name: ""}` until the kernel answered;
 * an empty name means "unknown", not "not Python", so it is dropped and the
 * server falls back to the kernelspec.
 */
function serverMetadata(
  metadata: nbformat.INotebookMetadata
): nbformat.INotebookMetadata {
  const info = metadata?.language_info as { name?: unknown } | undefined;
  if (info && !info.name) {
    const copy = { ...metadata };
    delete copy.language_info;
    return copy;
  }
  return metadata;
}

/** The nbformat JSON of an open notebook, as the server should see it. */
export function notebookContent(
  panel: Pick<NotebookPanel, 'content' | 'context'>
): nbformat.INotebookContent | null {
  const model = panel.content.model ?? panel.context.model;
  if (!model) {
    return null;
  }
  const content = model.toJSON() as nbformat.INotebookContent;
  const metadata = serverMetadata(content.metadata);
  return metadata === content.metadata ? content : { ...content, metadata };
}

/** The part of a Yjs shared type the cell reader observes. */
interface IObservable {
  observeDeep(f: (events: Array<{ path: unknown[] }>) => void): void;
  unobserveDeep(f: (events: Array<{ path: unknown[] }>) => void): void;
}

/** What the reader keeps of one cell model. */
interface ICellEntry {
  /** The cell's Yjs map, observed for every change (silent ones included). */
  ymodel: IObservable | null;
  observer: (events: Array<{ path: unknown[] }>) => void;
  /** The snapshot, dropped when the cell changes. */
  snapshot: ICellSnapshot | null;
  outputsStamp: number;
}

let nextStamp = 1;

/**
 * Snapshots of a notebook's cells, read from the cell models and kept until
 * the cell changes.
 *
 * Each cell's Yjs map is observed deeply: unlike the cell model's signals,
 * that also sees the changes JupyterLab makes silently (outputs arriving from
 * the kernel, stream text, cleared execution). A keystroke thus re-reads
 * only the edited cell, and a cell's outputs stamp moves only when something
 * other than its source changed.
 */
export class CellReader {
  /** The snapshot of `model`'s cells now. */
  read(model: INotebookModel): INotebookSnapshot {
    const seen = new Map<ICellModel, ICellEntry>();
    const cells: ICellSnapshot[] = [];
    for (const cell of model.cells) {
      const entry = this._entries.get(cell) ?? this._watch(cell);
      seen.set(cell, entry);
      const snapshot = entry.snapshot ?? snapshotOfCell(cell, entry);
      // a cell that cannot be observed is read again every time
      entry.snapshot = entry.ymodel ? snapshot : null;
      cells.push(snapshot);
    }
    for (const [cell, entry] of this._entries) {
      if (!seen.has(cell)) {
        entry.ymodel?.unobserveDeep(entry.observer);
      }
    }
    this._entries = seen;
    return {
      nbformat: model.nbformat,
      nbformat_minor: model.nbformatMinor,
      metadata: serverMetadata(model.metadata),
      cells
    };
  }

  dispose(): void {
    for (const entry of this._entries.values()) {
      entry.ymodel?.unobserveDeep(entry.observer);
    }
    this._entries.clear();
  }

  private _watch(cell: ICellModel): ICellEntry {
    const ymodel =
      ((cell.sharedModel as unknown as { ymodel?: IObservable }).ymodel ??
        null) ||
      null;
    const entry: ICellEntry = {
      ymodel:
        ymodel && typeof ymodel.observeDeep === 'function' ? ymodel : null,
      snapshot: null,
      outputsStamp: nextStamp++,
      observer: events => {
        entry.snapshot = null;
        if (!events.every(e => e.path[0] === 'source')) {
          entry.outputsStamp = nextStamp++;
        }
      }
    };
    entry.ymodel?.observeDeep(entry.observer);
    return entry;
  }

  private _entries = new Map<ICellModel, ICellEntry>();
}

/** One cell model as a snapshot. */
function snapshotOfCell(cell: ICellModel, entry: ICellEntry): ICellSnapshot {
  const shared = cell.sharedModel;
  const snap: ICellSnapshot = {
    id: shared.id,
    cell_type: shared.cell_type,
    source: shared.getSource(),
    metadata: shared.getMetadata()
  };
  if (shared.cell_type === 'code') {
    const code = shared as unknown as {
      execution_count: number | null;
      getOutputs(): nbformat.IOutput[];
    };
    snap.execution_count = code.execution_count ?? null;
    snap.outputs = () => code.getOutputs();
    if (entry.ymodel) {
      snap.outputsStamp = entry.outputsStamp;
    }
  }
  return snap;
}

/**
 * Adapt an open `NotebookPanel` to `INotebookSource`.
 *
 * The returned object owns a signal; call `dispose()` when the panel closes.
 */
export function sourceFromPanel(
  panel: NotebookPanel
): INotebookSource & { dispose(): void } {
  const saved = new Signal<unknown, void>(panel);
  const onSaveState = (
    _: DocumentRegistry.IContext<any>,
    state: DocumentRegistry.SaveState
  ) => {
    if (state === 'completed') {
      saved.emit();
    }
  };
  panel.context.saveState.connect(onSaveState);
  const reader = new CellReader();
  const savedCells = new SavedCells(panel.context);
  return {
    get path() {
      return panel.context.localPath;
    },
    getSnapshot() {
      const model = panel.content.model ?? panel.context.model;
      return model ? reader.read(model) : null;
    },
    getContent() {
      return notebookContent(panel);
    },
    contentChanged: panel.context.model.contentChanged,
    saved,
    unsavedCells: () => savedCells.changes(),
    dispose() {
      panel.context.saveState.disconnect(onSaveState);
      reader.dispose();
      savedCells.dispose();
      Signal.clearData(saved);
    }
  };
}

/**
 * The check ids `next` shows that `previous` hid (taken out of `ignore`, or
 * added to a `select` list); null when `select` was emptied (every check is
 * shown again, whichever was hidden).
 */
export function shownChecks(
  previous: Readonly<IModelSettings>,
  next: Readonly<IModelSettings>
): string[] | null {
  if (next.select.length === 0 && previous.select.length > 0) {
    return null;
  }
  const selected =
    previous.select.length > 0
      ? next.select.filter(id => !previous.select.includes(id))
      : [];
  const unignored = previous.ignore.filter(id => !next.ignore.includes(id));
  return Array.from(new Set([...selected, ...unignored])).filter(
    id =>
      (next.select.length === 0 || next.select.includes(id)) &&
      !next.ignore.includes(id)
  );
}

/** Whether a settings list names the finding's check or its family (`quality`: type-error and black). */
function isNamed(names: ReadonlyArray<string>, finding: IFinding): boolean {
  return (
    names.includes(finding.check) ||
    (finding.family !== undefined && names.includes(finding.family))
  );
}

/** Readiness state of one open notebook. */
export class ReadinessModel {
  constructor(options: ReadinessModel.IOptions) {
    this._source = options.source;
    this._client = options.client;
    this._settings = { ...DEFAULT_MODEL_SETTINGS, ...(options.settings ?? {}) };
    this._debouncer = this._makeDebouncer(this._settings.debounceMs);
    this._source.contentChanged.connect(this._onContentChanged, this);
    this._source.saved.connect(this._onSaved, this);
  }

  /** Emitted whenever report, busy state or error change. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  /** Emitted when an automatic check (edit, save, open) fails. */
  get autoCheckFailed(): ISignal<this, ApiError> {
    return this._autoCheckFailed;
  }

  get path(): string {
    return this._source.path;
  }

  get source(): INotebookSource {
    return this._source;
  }

  /** Last (merged) report, or null before the first answer. */
  get report(): IReport | null {
    return this._report;
  }

  /**
   * The score of the findings shown (`findings`): a merged report also holds
   * the kept findings of checks the settings hid since (a fast answer does not
   * run a hidden check, so its last findings are kept, and hidden).
   */
  get score(): number | null {
    return this._report ? scoreOf(this.findings) : null;
  }

  /**
   * Findings the user wants to see (settings `select` / `ignore` applied).
   * The same array until the report or the settings change: the views compare
   * it by identity (a busy flip redraws nothing).
   */
  get findings(): IFinding[] {
    const report = this._report;
    const memo = this._visible;
    if (memo && memo.report === report && memo.settings === this._settings) {
      return memo.findings;
    }
    const { select, ignore } = this._settings;
    const findings = report
      ? report.findings.filter(
          f =>
            (select.length === 0 || isNamed(select, f)) && !isNamed(ignore, f)
        )
      : [];
    this._visible = { report, settings: this._settings, findings };
    return findings;
  }

  /** Visible findings of one cell. */
  findingsForCell(index: number): IFinding[] {
    return this.findings.filter(f => f.cell === index);
  }

  get waived(): IFinding[] {
    return this._report ? this._report.waived : [];
  }

  /** True while at least one check request is in flight. */
  get busy(): boolean {
    return this._pending > 0;
  }

  /**
   * Number of check answers applied so far; the panel shows it as
   * `data-jp-prod-revision` (tests and the latency bench wait on it).
   */
  get revision(): number {
    return this._revision;
  }

  /** Error of the last check, cleared by the next successful one. */
  get error(): ApiError | null {
    return this._error;
  }

  /**
   * True once every check (black, mypy, git: on save, or on demand) ran on
   * this notebook: until then the report is the fast checks' (an opened
   * notebook is checked with those alone), and the panel says so. A user
   * who may not write gets the fast checks alone, even asking for all.
   */
  get checkedAll(): boolean {
    return this._checkedAll;
  }

  /** Set when a debounced check is scheduled but not sent yet. */
  get scheduled(): boolean {
    return this._scheduled;
  }

  /**
   * True when the shown report describes the editor's current content, so
   * its cell indices and fixes can be applied safely.
   */
  get upToDate(): boolean {
    return (
      this._report !== null &&
      this._appliedVersion === this._contentVersion &&
      !this._scheduled
    );
  }

  get settings(): Readonly<IModelSettings> {
    return this._settings;
  }

  set settings(value: Readonly<IModelSettings>) {
    const previous = this._settings;
    const debounceChanged = value.debounceMs !== previous.debounceMs;
    // the score and the counts are the server's, over the checks a request asks for
    const checksChanged =
      !jsonEqual(value.select, previous.select) ||
      !jsonEqual(value.ignore, previous.ignore);
    this._settings = { ...value };
    if (debounceChanged && !this._isDisposed) {
      const pending = this._scheduled;
      this._stopDebouncers();
      this._debouncer = this._makeDebouncer(value.debounceMs);
      if (pending) {
        this.schedule();
      }
    }
    if (checksChanged && this._report && !this._isDisposed) {
      // checks shown or hidden in the Settings Editor: the score follows now, not at the
      // next edit; a slow check shown again (type-error) runs now, not at the next save
      const shown = shownChecks(previous, value);
      (shown ? this.recheck(shown) : this.check('all')).catch(error =>
        this._reportAutoError(error)
      );
    }
    this._stateChanged.emit();
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Re-check with the fast checks after `debounceMs` of quiet (or `delay`).
   * Every call restarts the wait, so typing sends one request.
   */
  schedule(delay?: number): void {
    if (this._isDisposed) {
      return;
    }
    const limit = Math.max(0, delay ?? this._settings.debounceMs);
    let debouncer = this._debouncer;
    if (limit !== debouncer.limit) {
      // a one-off wait (e.g. 0 on open): its own debouncer, the default one stops
      void this._debouncer.stop();
      this._oneOff?.dispose();
      debouncer = this._oneOff = this._makeDebouncer(limit);
    } else if (this._oneOff) {
      this._oneOff.dispose();
      this._oneOff = null;
    }
    this._scheduled = true;
    // the debounced function reports its own failures; this rejects only
    // when the wait is stopped
    debouncer.invoke().catch(() => undefined);
  }

  /**
   * Check the editor's current content now.
   *
   * Resolves with the merged report (`null` once disposed); rejects with an
   * `ApiError`. An answer overtaken by a newer one only contributes the
   * findings of checks the newer one did not run.
   */
  async check(checks: ChecksSelection = 'all'): Promise<IReport | null> {
    if (this._isDisposed) {
      return null;
    }
    if (this._replacesAll(checks)) {
      // the server lets one slow request per notebook run: this one would cancel the 'all'
      // check in flight (a save's), whose mypy and git findings then never came
      checks = 'all';
    }
    if (checks === 'all' || checks === 'fast') {
      // A full request supersedes a pending debounced one.
      this._stopDebouncers();
    }
    const notebook = this._source.getSnapshot();
    const request: ICheckRequest = { path: this._source.path, checks };
    if (this._settings.select.length > 0) {
      request.select = [...this._settings.select];
    }
    if (this._settings.ignore.length > 0) {
      request.ignore = [...this._settings.ignore];
    }
    const version = this._contentVersion;
    const all = checks === 'all';
    this._pending += 1;
    this._allPending += all ? 1 : 0;
    this._stateChanged.emit();
    try {
      const report = await this._send(request, notebook);
      if (this._isDisposed) {
        return null;
      }
      const slow = report.summary?.slow_checks;
      if (Array.isArray(slow)) {
        this._slowChecks = new Set(slow);
      }
      if (checks === 'fast') {
        this._fastRun = new Set(report.summary?.checks_run ?? []);
      } else if (all && this._ranSlow(report)) {
        this._checkedAll = true;
      }
      if (version < this._appliedVersion && this._report) {
        // The notebook changed and a newer answer is already shown: keep it,
        // and only add what this older answer ran that the newer one did not
        // (e.g. black and mypy from a full check that was slower than a
        // fast check sent after it).
        this._report = mergeReports(report, this._report, 'fast');
        this._error = null;
        this._revision += 1;
        return this._report;
      }
      this._appliedVersion = version;
      this._report = mergeReports(this._report, report, checks);
      this._error = null;
      this._revision += 1;
      return this._report;
    } catch (reason) {
      const error = ApiError.from(reason);
      if (isSuperseded(error)) {
        // A newer check of this notebook replaced this one on the server: no
        // error to show; the newer one's answer updates the report.
        return this._isDisposed ? null : this._report;
      }
      if (!this._isDisposed) {
        this._error = error;
      }
      throw error;
    } finally {
      this._pending -= 1;
      this._allPending -= all ? 1 : 0;
      if (!this._isDisposed) {
        this._stateChanged.emit();
      }
    }
  }

  /**
   * Check again after the checks `ids` changed (a waiver taken back, a check
   * shown again): the fast checks, then those of `ids` the server names slow
   * (`slow_checks`: type-error keeps its old findings and waivers through a
   * fast check), and only those: black does not run for a type-error. A
   * server that names no slow checks: everything when one of `ids` is not
   * among the fast ones, or no fast answer said which they are. Resolves with
   * the merged report (`null` once disposed); rejects with an `ApiError`.
   */
  async recheck(ids: ReadonlyArray<string>): Promise<IReport | null> {
    const report = await this.check('fast');
    const fast = this._fastRun;
    const slow = this._slowChecks;
    if (!report) {
      return report;
    }
    if (slow) {
      // a family (`quality`, `vcs`) is no check id: the server answers which of its checks are slow only
      // by running them all, so a family shown again runs every check as before
      if (fast && ids.some(id => !fast.has(id) && !slow.has(id))) {
        return this.check('all');
      }
      const rerun = ids.filter(id => slow.has(id));
      return rerun.length > 0 ? this.check(rerun) : report;
    }
    if (!fast || ids.some(id => !fast.has(id))) {
      return this.check('all');
    }
    return report;
  }

  /**
   * Check again after the cells were changed for the checks `ids` (a fix
   * applied, black run on them), on no one's request: as `recheck`, its
   * failure reported as an automatic check's (`autoCheckFailed`).
   */
  recheckEdited(ids: ReadonlyArray<string>): void {
    this.recheck(ids).catch(error => this._reportAutoError(error));
  }

  /**
   * Check again after the checks `ids` were waived in the cell of `place`:
   * the fast checks, and the findings there of the slow ones (whose last
   * findings a fast check keeps) moved to `waived` here: a waiver only hides
   * a finding, so mypy does not run again. A server that names no slow
   * checks: `recheck`.
   */
  async waiverWritten(
    ids: ReadonlyArray<string>,
    place: WaiverPlace
  ): Promise<IReport | null> {
    const slow = this._slowChecks;
    if (!slow) {
      return this.recheck(ids);
    }
    const report = await this.check('fast');
    const hidden = ids.filter(id => slow.has(id));
    if (!report || hidden.length === 0 || !this._report) {
      return report;
    }
    this._report = hideWaived(this._report, hidden, place);
    this._revision += 1;
    this._stateChanged.emit();
    return this._report;
  }

  /**
   * Send `request` naming the report held last (`findings_base`), so that the
   * answer may be a findings delta; when that delta cannot be applied (its
   * base is no longer held, a range does not fit), ask once more for the
   * full report.
   */
  private async _send(
    request: ICheckRequest,
    notebook: INotebookSnapshot | null
  ): Promise<IReport> {
    const base = this._held.baseId;
    if (base !== undefined) {
      const answer = await this._sendNotebook(
        { ...request, findings_base: base },
        notebook
      );
      const report = this._held.receive(answer);
      if (report) {
        return report;
      }
    }
    const full = this._held.receive(
      await this._sendNotebook(request, notebook)
    );
    if (!full) {
      throw new ApiError(
        'The server answered a findings delta to a request that named no report; reload the page and try again.',
        200,
        'http',
        null
      );
    }
    return full;
  }

  /**
   * Send `request` with the notebook as a delta (only what the server has not
   * acknowledged); when the server lacks some hashes, send those again, and
   * if it still lacks some, the whole notebook.
   */
  private async _sendNotebook(
    request: ICheckRequest,
    notebook: INotebookSnapshot | null
  ): Promise<IReport | IReportDelta> {
    if (!notebook) {
      return this._reportOf(await this._client.check(request));
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      const delta = this._delta.build(
        notebook,
        needsOutputs(request.checks ?? 'all')
      );
      const answer = await this._sendDelta(request, delta);
      if (!isMissingAnswer(answer)) {
        this._delta.acknowledge(delta);
        return answer;
      }
      this._delta.forget(attempt === 0 ? answer.missing : undefined);
    }
    const content = this._source.getContent() ?? undefined;
    return this._reportOf(
      await this._client.check({ ...request, notebook: content })
    );
  }

  /**
   * Send `delta` with its unchanged cells as ranges of the cells list the
   * server named last; when the server no longer holds that list, once more
   * with every cell. The list the server names in its answer is the next
   * request's base.
   */
  private async _sendDelta(
    request: ICheckRequest,
    delta: IFullDelta
  ): Promise<IReport | IReportDelta | IMissingAnswer> {
    let answer = await this._client.check({
      ...request,
      delta: this._cells.ranged(delta)
    });
    if (isMissingCellsBase(answer)) {
      this._cells.clear();
      answer = await this._client.check({ ...request, delta });
    }
    if (isMissingCellsBase(answer)) {
      throw this._unexpected('every cell of a request that listed them all');
    }
    this._cells.answered(answer.cells_id, delta);
    return answer;
  }

  private _reportOf(
    answer: IReport | IReportDelta | IMissingAnswer | IMissingCellsBaseAnswer
  ): IReport | IReportDelta {
    if (isMissingCellsBase(answer)) {
      throw this._unexpected('every cell of a request that sent no delta');
    }
    if (isMissingAnswer(answer)) {
      throw this._unexpected('cell sources the request already carried');
    }
    return answer;
  }

  /** The error of an answer asking for what the request already sent. */
  private _unexpected(what: string): ApiError {
    return new ApiError(
      `The server asked for ${what}; reload the page and try again.`,
      200,
      'http',
      null
    );
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._stopDebouncers();
    this._debouncer.dispose();
    this._source.contentChanged.disconnect(this._onContentChanged, this);
    this._source.saved.disconnect(this._onSaved, this);
    Signal.clearData(this);
  }

  private _onContentChanged(): void {
    this._contentVersion += 1;
    this.schedule();
  }

  private _onSaved(): void {
    const checks: ChecksSelection = this._settings.mypyOnSave ? 'all' : 'fast';
    this.check(checks).catch(error => this._reportAutoError(error));
  }

  /**
   * Whether `checks` is a request of slow checks sent while an `'all'` one
   * is in flight: the server runs one slow request per notebook, the newer
   * cancelling the older (answered "superseded"), so it is sent as `'all'`.
   */
  private _replacesAll(checks: ChecksSelection): boolean {
    if (this._allPending === 0 || !Array.isArray(checks)) {
      return false;
    }
    const slow = this._slowChecks;
    return !slow || checks.some(id => slow.has(id));
  }

  /**
   * Whether the answer to an `'all'` request ran the slow checks: a user
   * who may not write gets the fast ones alone (`checks_run` says which
   * ran). A server that names no slow checks ran them all.
   */
  private _ranSlow(report: IReport): boolean {
    const slow = this._slowChecks;
    const ran = report.summary?.checks_run;
    if (!slow || !Array.isArray(ran)) {
      return true;
    }
    return ran.some(id => slow.has(id));
  }

  private _reportAutoError(error: unknown): void {
    if (this._isDisposed) {
      return;
    }
    // a notebook in another language is no failure: the panel shows the note
    if (error instanceof ApiError && !isNotPython(error)) {
      this._autoCheckFailed.emit(error);
    }
  }

  /** A debouncer of the fast re-check waiting `limit` ms. */
  private _makeDebouncer(limit: number): Debouncer<void> {
    return new Debouncer<void>(async () => {
      this._scheduled = false;
      try {
        await this.check('fast');
      } catch (error) {
        this._reportAutoError(error);
      }
    }, limit);
  }

  /** Nothing scheduled any more (a check that started goes on). */
  private _stopDebouncers(): void {
    this._scheduled = false;
    void this._debouncer.stop();
    this._oneOff?.dispose();
    this._oneOff = null;
  }

  private _source: INotebookSource;
  private _client: ICheckClient;
  private _delta = new DeltaTracker();
  /** The cells lists the server named: the bases of the next request's ranges. */
  private _cells = new HeldCells();
  /** The server's last reports of this notebook: the bases of findings deltas. */
  private _held = new HeldReports();
  private _settings: IModelSettings;
  /** `findings` of the last report and settings it was computed for. */
  private _visible: {
    report: IReport | null;
    settings: IModelSettings;
    findings: IFinding[];
  } | null = null;
  private _report: IReport | null = null;
  /** The checks the last fast answer ran (the others are slow, or hidden). */
  private _fastRun: Set<string> | null = null;
  /** An answer to an `'all'` request arrived (`checkedAll`). */
  private _checkedAll = false;
  /** Number of `'all'` requests sent and not answered yet. */
  private _allPending = 0;
  /** The checks the server says a fast check never runs (`slow_checks`). */
  private _slowChecks: Set<string> | null = null;
  private _error: ApiError | null = null;
  private _pending = 0;
  private _revision = 0;
  private _debouncer: Debouncer<void>;
  /** The debouncer of a wait other than `debounceMs` (`schedule(0)`). */
  private _oneOff: Debouncer<void> | null = null;
  private _scheduled = false;
  private _contentVersion = 0;
  private _appliedVersion = -1;
  private _isDisposed = false;
  private _stateChanged = new Signal<this, void>(this);
  private _autoCheckFailed = new Signal<this, ApiError>(this);
}

export namespace ReadinessModel {
  export interface IOptions {
    source: INotebookSource;
    client: ICheckClient;
    settings?: Partial<IModelSettings>;
  }
}
