/**
 * Format code cells with black on the server and apply the answer to the
 * editor (one undoable edit); a cell black could not format is a warning.
 */
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import { applyFormatResult } from '../actions';
import type { IFormatResult, ProdApi } from '../api';
import { notebookContent, type ReadinessModel } from '../model';
import { recheckAfterEdit } from './check';
import { notifyError } from './context';

/**
 * Format `cells` (default: every code cell) of the editor's current content;
 * the panel's black findings are checked again when a cell changed.
 */
export async function formatCells(
  api: Pick<ProdApi, 'format'>,
  trans: TranslationBundle,
  panel: NotebookPanel,
  model: ReadinessModel,
  cells?: number[]
): Promise<IFormatResult | null> {
  try {
    const result = await api.format({
      path: panel.context.localPath,
      notebook: notebookContent(panel) ?? undefined,
      ...(cells ? { cells } : {})
    });
    const changed = applyFormatResult(panel.content, result);
    if (changed > 0) {
      recheckAfterEdit(model, 'not-black-formatted');
    }
    for (const error of result.errors) {
      Notification.warning(
        trans.__(
          'Cell %1 was not formatted: %2',
          error.cell + 1,
          error.message
        ),
        { autoClose: 8000 }
      );
    }
    if (changed === 0 && result.errors.length === 0) {
      Notification.info(trans.__('Already formatted.'), { autoClose: 3000 });
    }
    return result;
  } catch (error) {
    notifyError(error);
    return null;
  }
}
