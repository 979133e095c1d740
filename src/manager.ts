/**
 * One `ReadinessModel` per open notebook, shared by its views, created when
 * the tracker sees its first view and disposed with its last; follows the
 * tracker's current notebook.
 */
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { Contents } from '@jupyterlab/services';
import type {
  INotebookModel,
  INotebookTracker,
  NotebookPanel
} from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, ProdApi } from './api';
import { CommitModel } from './commit';
import { ReadinessModel, sourceFromPanel } from './model';
import { RunModel } from './run';
import { DEFAULT_SETTINGS, IProdSettings, IReadinessManager } from './tokens';

/** What the views of one open notebook share: its model, how many views it has, its disposal. */
interface IShared {
  model: ReadinessModel;
  count: number;
  dispose: () => void;
}

export class ReadinessManager implements IReadinessManager {
  constructor(options: ReadinessManager.IOptions) {
    this.api = options.api;
    this._tracker = options.tracker;
    this._fileChanged = options.fileChanged ?? null;
    this._settings = { ...DEFAULT_SETTINGS, ...(options.settings ?? {}) };
    this._tracker.widgetAdded.connect((_, panel) => this._add(panel), this);
    this._tracker.currentChanged.connect(this._onCurrentChanged, this);
    this._tracker.forEach(panel => this._add(panel));
    this._onCurrentChanged();
  }

  readonly api: ProdApi;

  get settings(): Readonly<IProdSettings> {
    return this._settings;
  }

  set settings(value: Readonly<IProdSettings>) {
    const previous = this._settings;
    this._settings = { ...value };
    this._models.forEach(model => {
      model.settings = {
        debounceMs: value.debounceMs,
        select: value.select,
        ignore: value.ignore,
        mypyOnSave: value.mypyOnSave
      };
    });
    if (previous.codeOnlyCommits !== value.codeOnlyCommits) {
      // the setting is the default of the toggle: follow it
      this._commits.forEach(commit => {
        commit.codeOnly = value.codeOnlyCommits;
      });
    }
    this._settingsChanged.emit(this._settings);
  }

  get settingsChanged(): ISignal<this, IProdSettings> {
    return this._settingsChanged;
  }

  get current(): ReadinessModel | null {
    return this._current;
  }

  get currentPanel(): NotebookPanel | null {
    return this._currentPanel;
  }

  get currentChanged(): ISignal<this, ReadinessModel | null> {
    return this._currentChanged;
  }

  /** Emitted when an automatic (edit/save/open) check fails. */
  get autoCheckFailed(): ISignal<
    this,
    { model: ReadinessModel; error: ApiError }
  > {
    return this._autoCheckFailed;
  }

  /** Emitted when a notebook view gets its model (a new one, or the model its other views share). */
  get modelAdded(): ISignal<
    this,
    { panel: NotebookPanel; model: ReadinessModel }
  > {
    return this._modelAdded;
  }

  modelFor(panel: NotebookPanel): ReadinessModel | undefined {
    return this._models.get(panel);
  }

  /** Commit state of an open notebook. */
  commitFor(model: ReadinessModel): CommitModel | undefined {
    return this._commits.get(model);
  }

  /** Clean-run state of an open notebook. */
  runFor(model: ReadinessModel): RunModel | undefined {
    return this._runs.get(model);
  }

  /**
   * The notebook panel a model belongs to (null once it was closed): of a
   * notebook open in several views, the one the user is in when it is one of
   * them (a finding is revealed where the user looks), else the first.
   */
  panelFor(model: ReadinessModel): NotebookPanel | null {
    if (this._currentPanel && this._models.get(this._currentPanel) === model) {
      return this._currentPanel;
    }
    for (const [panel, m] of this._models) {
      if (m === model) {
        return panel;
      }
    }
    return null;
  }

  private _add(panel: NotebookPanel): void {
    if (this._models.has(panel)) {
      return;
    }
    // the views of one notebook (File > New View for Notebook) share its document, so they share
    // its model: one check per edit, one report, one commit and run state (a model per view sent
    // every check twice, and on save one view's full check replaced the other's on the server,
    // which left that view's panel without the type errors)
    const shared = this._views.get(panel.context) ?? this._create(panel);
    shared.count += 1;
    const model = shared.model;
    this._models.set(panel, model);
    panel.disposed.connect(() => this._remove(panel, model));
    this._modelAdded.emit({ panel, model });
    if (this._tracker.currentWidget === panel) {
      this._onCurrentChanged();
    }
  }

  /** The model, commit and run state of a notebook seen for the first time (its first view). */
  private _create(panel: NotebookPanel): IShared {
    const context = panel.context;
    const source = sourceFromPanel(panel);
    const model = new ReadinessModel({
      source,
      client: this.api,
      settings: this._settings
    });
    model.autoCheckFailed.connect((m, error) =>
      this._autoCheckFailed.emit({ model: m, error })
    );
    const path = () => context.localPath;
    const commit = new CommitModel({
      client: this.api,
      path,
      codeOnly: this._settings.codeOnlyCommits,
      dirty: () => context.model.dirty
    });
    const unwatch = this._watchCommit(context, commit);
    const run = new RunModel({ client: this.api, path });
    this._commits.set(model, commit);
    this._runs.set(model, run);
    const shared: IShared = {
      model,
      count: 0,
      dispose: () => {
        this._views.delete(context);
        this._commits.delete(model);
        this._runs.delete(model);
        unwatch();
        commit.dispose();
        run.dispose();
        model.dispose();
        source.dispose();
      }
    };
    this._views.set(context, shared);
    // a rename changes what is checked (the file name, the nearest project) and what git lists;
    // the commit records the old name's removal with the notebook
    let before = path();
    context.pathChanged.connect(() => {
      commit.renamed(before);
      before = path();
      model.schedule(0);
      if (commit.status || commit.refreshing) {
        void commit.refresh();
      }
    });
    void context.ready.then(() => {
      if (!model.isDisposed && !model.report) {
        model.schedule(0);
      }
    });
    return shared;
  }

  /**
   * What ends "nothing to commit" besides the notebook's own save (the commit
   * view re-reads the status then): an unsaved edit of the notebook, and a save
   * of a listed file (a module edited in JupyterLab). Returns the disconnection.
   */
  private _watchCommit(
    context: DocumentRegistry.IContext<INotebookModel>,
    commit: CommitModel
  ): () => void {
    const onState = (_: unknown, change: { name: string }) => {
      if (change.name === 'dirty') {
        commit.dirtyChanged();
      }
    };
    const onFile = (_: unknown, change: Contents.IChangedArgs) => {
      const saved = change.type === 'save' ? change.newValue?.path : undefined;
      if (saved && saved !== context.localPath && commit.lists(saved)) {
        void commit.refresh();
      }
    };
    context.model.stateChanged.connect(onState);
    this._fileChanged?.connect(onFile);
    return () => {
      context.model.stateChanged.disconnect(onState);
      this._fileChanged?.disconnect(onFile);
    };
  }

  /** A view closed: the notebook's model goes with its last view. */
  private _remove(panel: NotebookPanel, model: ReadinessModel): void {
    this._models.delete(panel);
    const shared = this._views.get(panel.context);
    if (shared && shared.model === model) {
      shared.count -= 1;
      if (shared.count <= 0) {
        shared.dispose();
      }
    }
    if (this._currentPanel === panel) {
      this._onCurrentChanged();
    }
  }

  private _onCurrentChanged(): void {
    const panel = this._tracker.currentWidget;
    const model = panel ? (this._models.get(panel) ?? null) : null;
    if (panel === this._currentPanel && model === this._current) {
      return;
    }
    this._currentPanel = model ? panel : null;
    this._current = model;
    this._currentChanged.emit(model);
  }

  private _tracker: INotebookTracker;
  private _fileChanged: ISignal<unknown, Contents.IChangedArgs> | null;
  private _settings: IProdSettings;
  private _models = new Map<NotebookPanel, ReadinessModel>();
  /** per open document: the model its views share, how many views it has, and its disposal */
  private _views = new Map<
    DocumentRegistry.IContext<INotebookModel>,
    IShared
  >();
  private _commits = new Map<ReadinessModel, CommitModel>();
  private _runs = new Map<ReadinessModel, RunModel>();
  private _current: ReadinessModel | null = null;
  private _currentPanel: NotebookPanel | null = null;
  private _currentChanged = new Signal<this, ReadinessModel | null>(this);
  private _settingsChanged = new Signal<this, IProdSettings>(this);
  private _autoCheckFailed = new Signal<
    this,
    { model: ReadinessModel; error: ApiError }
  >(this);
  private _modelAdded = new Signal<
    this,
    { panel: NotebookPanel; model: ReadinessModel }
  >(this);
}

export namespace ReadinessManager {
  export interface IOptions {
    api: ProdApi;
    tracker: INotebookTracker;
    settings?: Partial<IProdSettings>;
    /** the contents manager's saves, renames and deletions (a module's save re-reads the git status) */
    fileChanged?: ISignal<unknown, Contents.IChangedArgs>;
  }
}
