/**
 * Public tokens, ids and interfaces of the extension: other plugins (e.g. the
 * promote dialog) use `IReadinessManager` instead of importing internals.
 */
import type { NotebookPanel } from '@jupyterlab/notebook';
import { ISignal } from '@lumino/signaling';
import { Token } from '@lumino/coreutils';

import type { ProdApi } from './api';
import type { CommitModel } from './commit';
import type { RunModel } from './run';
import type { ReadinessModel, IModelSettings } from './model';

/** Id of the main plugin; also the settings schema id (`schema/plugin.json`). */
export const PLUGIN_ID = 'jupyter-prod-ext:plugin';

/** Id of the readiness side panel (used by the layout restorer and tests). */
export const PANEL_ID = 'jupyter-prod:panel';

/** Translation domain of the extension. */
export const TRANSLATION_DOMAIN = 'jupyter_prod_ext';

/** Sections (tabs) of the readiness panel. */
export type PanelSection = 'findings' | 'commit' | 'run';

/** Key of our namespace in cell metadata: `{"jupyter_prod": {"ignore": [...]}}`. */
export const CELL_METADATA_KEY = 'jupyter_prod';

export namespace CommandIDs {
  export const openPanel = 'jupyter-prod:open-panel';
  export const check = 'jupyter-prod:check';
  export const typecheck = 'jupyter-prod:typecheck';
  export const formatNotebook = 'jupyter-prod:format-notebook';
  export const formatCell = 'jupyter-prod:format-cell';
  export const ignoreCell = 'jupyter-prod:ignore-cell';
  export const stripOutputs = 'jupyter-prod:strip-outputs';
  /** Reserved for the promote dialog (another plugin). */
  export const promote = 'jupyter-prod:promote';
  /** Open the panel on its commit section. */
  export const commit = 'jupyter-prod:commit';
  /** Run a copy of the notebook in a fresh kernel. */
  export const runClean = 'jupyter-prod:run-clean';
  /** Cancel the clean run of the current notebook. */
  export const cancelRun = 'jupyter-prod:cancel-run';
}

/** All user settings of `schema/plugin.json`. */
export interface IProdSettings extends IModelSettings {
  defaultModuleFolder: string;
  codeOnlyCommits: boolean;
}

export const DEFAULT_SETTINGS: IProdSettings = {
  debounceMs: 300,
  select: [],
  ignore: [],
  mypyOnSave: true,
  defaultModuleFolder: '',
  codeOnlyCommits: true
};

/** Owns one `ReadinessModel` per open notebook and follows the current one. */
export interface IReadinessManager {
  /** Client of the server extension's REST API. */
  readonly api: ProdApi;
  /** Current user settings. */
  readonly settings: Readonly<IProdSettings>;
  readonly settingsChanged: ISignal<IReadinessManager, IProdSettings>;
  /** The model of the current notebook, if any. */
  readonly current: ReadinessModel | null;
  readonly currentPanel: NotebookPanel | null;
  readonly currentChanged: ISignal<IReadinessManager, ReadinessModel | null>;
  /** The model of an open notebook. */
  modelFor(panel: NotebookPanel): ReadinessModel | undefined;
  /** The notebook panel a model belongs to (of several views, the current one; null once closed). */
  panelFor(model: ReadinessModel): NotebookPanel | null;
  /** Commit state (git status, selection, last outcome) of an open notebook. */
  commitFor(model: ReadinessModel): CommitModel | undefined;
  /** Clean-kernel run state of an open notebook. */
  runFor(model: ReadinessModel): RunModel | undefined;
}

export const IReadinessManager = new Token<IReadinessManager>(
  'jupyter-prod-ext:IReadinessManager',
  'Per-notebook production-readiness state (findings, score) of jupyter_prod_ext.'
);
