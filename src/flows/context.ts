/**
 * What every flow (promote, commit, clean run, checks and edits) is given:
 * the application, the manager (through its token interface, so a flow never
 * depends on how the manager is built), the notebook tracker and the
 * translations; and the one way a flow shows a failed request.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { ICommandPalette } from '@jupyterlab/apputils';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import { ApiError, isSuperseded } from '../api';
import type { IReadinessManager, PanelSection } from '../tokens';

export interface ICommandContext {
  app: JupyterFrontEnd;
  manager: IReadinessManager;
  tracker: INotebookTracker;
  trans: TranslationBundle;
  palette: ICommandPalette | null;
  /** Show the readiness panel on one of its sections. */
  showSection(section: PanelSection): void;
}

/**
 * Show an error of a request (or anything thrown) as a notification; a
 * request the server replaced by a newer one of the same notebook (a format
 * sent again while the first ran) is no failure: the newer answer is the one
 * that counts, so nothing is shown (as the panel does for its checks).
 */
export function notifyError(error: unknown): void {
  const failure = ApiError.from(error);
  if (!isSuperseded(failure)) {
    Notification.error(failure.message, { autoClose: 10000 });
  }
}

/** Activate a notebook's tab (from the panel, the notebook is not focused). */
export function activate(app: JupyterFrontEnd, panel: NotebookPanel): void {
  app.shell.activateById(panel.id);
}
