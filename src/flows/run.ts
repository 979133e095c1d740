/**
 * The clean-run flow: run the editor's current content in a fresh kernel
 * (the panel shows the progress and the findings) and say how it ended; or
 * cancel the run in progress.
 */
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import { ApiError, ICancelRunResult, IRunReport } from '../api';
import { notebookContent, ReadinessModel } from '../model';
import { ICommandContext, notifyError } from './context';

/** How a finished run ended, as a notification. */
function notifyOutcome(trans: TranslationBundle, report: IRunReport): void {
  if (report.run.state === 'cancelled') {
    Notification.info(trans.__('The clean run was cancelled.'), {
      autoClose: 4000
    });
  } else if (report.run.reproduced) {
    Notification.success(
      trans.__(
        'The notebook reproduced in a clean kernel (%1 s).',
        report.run.seconds.toFixed(1)
      ),
      { autoClose: 5000 }
    );
  } else {
    Notification.warning(
      trans._n(
        'The clean run did not reproduce the notebook: %1 finding.',
        'The clean run did not reproduce the notebook: %1 findings.',
        report.findings.length
      ),
      { autoClose: 8000 }
    );
  }
}

/**
 * Run the editor's current content in a fresh kernel. Resolves with whether
 * it reproduced (null: no run). A run already in progress is a notification.
 */
export async function runClean(
  ctx: Pick<ICommandContext, 'manager' | 'trans' | 'showSection'>,
  panel: NotebookPanel,
  model: ReadinessModel
): Promise<boolean | null> {
  const { manager, trans } = ctx;
  const run = manager.runFor(model);
  if (!run) {
    return null;
  }
  ctx.showSection('run');
  if (run.running) {
    Notification.warning(
      trans.__('A clean run of this notebook is already in progress.'),
      { autoClose: 5000 }
    );
    return null;
  }
  try {
    const report = await run.start(notebookContent(panel));
    notifyOutcome(trans, report);
    return report.run.reproduced;
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'conflict') {
      Notification.warning(error.message, { autoClose: 8000 });
    } else {
      notifyError(error);
    }
    return null;
  }
}

/** Ask the server to stop the notebook's clean run (null: none running, or the request failed). */
export async function cancelRun(
  ctx: Pick<ICommandContext, 'manager'>,
  model: ReadinessModel
): Promise<ICancelRunResult | null> {
  const run = ctx.manager.runFor(model);
  if (!run) {
    return null;
  }
  try {
    return await run.cancel();
  } catch (error) {
    notifyError(error);
    return null;
  }
}
