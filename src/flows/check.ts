/**
 * The checking flows of an open notebook: all checks, the type check on
 * demand, a finding's fix (after checking again), and waivers (a finding's,
 * or every finding of the active cell).
 */
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  applyCellSources,
  changedCells,
  resolveCellIndex,
  unwaiveChecks,
  waiveChecks
} from '../actions';
import type { IFinding, IReport } from '../api';
import type { ReadinessModel } from '../model';
import { notifyError } from './context';

/** Run every check (type check included); null when it failed (shown as a notification). */
export async function checkAll(model: ReadinessModel): Promise<IReport | null> {
  try {
    return await model.check('all');
  } catch (error) {
    notifyError(error);
    return null;
  }
}

/** Run the type check and say how many type errors it found. */
export async function typeCheck(
  trans: TranslationBundle,
  model: ReadinessModel
): Promise<IReport | null> {
  try {
    const report = await model.check(['type-error']);
    if (report) {
      const errors = report.findings.filter(
        f => f.check === 'type-error'
      ).length;
      Notification.info(
        errors
          ? trans._n('%1 type error', '%1 type errors', errors)
          : trans.__('No type errors.'),
        { autoClose: 4000 }
      );
    }
    return report;
  } catch (error) {
    notifyError(error);
    return null;
  }
}

/** Same finding (check and cell) in a newer report. */
function sameFinding(a: IFinding, b: IFinding): boolean {
  return (
    a.check === b.check &&
    (a.cell_id && b.cell_id ? a.cell_id === b.cell_id : a.cell === b.cell) &&
    a.line === b.line
  );
}

/**
 * Apply a finding's fix to the editor's current content; resolves with the
 * first cell it changed (the caller reveals it: the cell may be off screen),
 * or -1 when it changed none.
 *
 * A fix replaces whole cells, so it must come from the content as it is now:
 * the finding's check runs again first (a slow check's finding can be older
 * than the last fast answer, and the notebook can change under a rendered
 * button, e.g. when the kernel fills in `language_info`). Nothing is applied
 * when the notebook changes during that check.
 */
export async function applyFix(
  trans: TranslationBundle,
  panel: NotebookPanel,
  model: ReadinessModel,
  finding: IFinding
): Promise<number> {
  try {
    if (!model.upToDate) {
      await model.check('fast');
    }
    await model.check([finding.check]);
  } catch (error) {
    notifyError(error);
    return -1;
  }
  const current = model.report?.findings.find(
    f => f.fix && sameFinding(f, finding)
  );
  if (!model.upToDate) {
    Notification.warning(
      trans.__(
        'The notebook changed while checking; try the fix again once it is re-checked.'
      ),
      { autoClose: 5000 }
    );
    return -1;
  }
  if (!current || !current.fix) {
    // already fixed, or no longer a finding: the panel shows the new state
    return -1;
  }
  const notebook = panel.content;
  const changed = notebook.model
    ? changedCells(notebook.model, current.fix.cells)
    : [];
  applyCellSources(notebook, current.fix.cells);
  recheckAfterEdit(model, finding.check);
  return changed.length ? changed[0] : -1;
}

/**
 * Check again once the cells were changed for the check `check` (its fix
 * applied, black run on them): the fast checks, as after any edit, and
 * `check` itself when the panel lists its findings and it is slow (black):
 * a fast check keeps a slow check's last findings, so the finding of the
 * cell just fixed stayed listed, its Fix button still there, until a save.
 */
export function recheckAfterEdit(model: ReadinessModel, check: string): void {
  if (model.report?.findings.some(f => f.check === check)) {
    model.recheckEdited([check]);
  }
}

/**
 * Waive a finding's check in its cell, then check again: a slow check's
 * finding is hidden without running it (the finding's cell is gone: just
 * re-check).
 */
export function waiveFinding(
  panel: NotebookPanel,
  model: ReadinessModel,
  finding: IFinding
): void {
  const index = resolveCellIndex(panel.content, finding.cell, finding.cell_id);
  if (index < 0) {
    model.schedule(0);
    return;
  }
  waiveChecks(panel.content, index, [finding.check]);
  model.waiverWritten([finding.check], finding).catch(notifyError);
}

/** A waiver written in the code: `# prod: ignore` (with or without check ids). */
const IGNORE_COMMENT = /#\s*prod:\s*ignore/;

/**
 * What taking a waiver back did: `unwaived` (the cell's metadata no longer
 * waives the check), `comment` (a `# prod: ignore` comment in the cell waives
 * it: the caller shows the cell), `gone` (the finding's cell is gone) or
 * `stale` (nothing waives it any more: the panel was behind).
 */
export type UnwaiveOutcome = 'unwaived' | 'comment' | 'gone' | 'stale';

/**
 * Take a waiver back: a check waived in the cell's metadata leaves it and the
 * notebook is checked again. A waiver written in the code (`# prod:
 * ignore[...]`) is the user's text, not ours to edit: they are told where it
 * is. Resolves once the re-check (if any) answered, so the button can wait.
 */
export async function unwaiveFinding(
  trans: TranslationBundle,
  panel: NotebookPanel,
  model: ReadinessModel,
  finding: IFinding
): Promise<UnwaiveOutcome> {
  const index = resolveCellIndex(panel.content, finding.cell, finding.cell_id);
  const outcome = unwaiveIn(panel, index, finding.check);
  if (outcome === 'comment') {
    Notification.info(
      trans.__(
        '%1 is waived by a `# prod: ignore` comment in the cell: delete the comment (or its check id) there.',
        finding.check
      ),
      { autoClose: 8000 }
    );
    return outcome;
  }
  if (outcome === 'gone') {
    Notification.info(
      trans.__(
        'The cell that waived %1 is gone: the notebook is checked again.',
        finding.check
      ),
      { autoClose: 5000 }
    );
  }
  try {
    await model.recheck([finding.check]);
  } catch (error) {
    notifyError(error);
  }
  return outcome;
}

/** Take `check` out of the metadata waivers of cell `index`, or say what waives it. */
function unwaiveIn(
  panel: NotebookPanel,
  index: number,
  check: string
): UnwaiveOutcome {
  if (index < 0) {
    return 'gone';
  }
  if (unwaiveChecks(panel.content, index, [check])) {
    return 'unwaived';
  }
  const source = panel.content.model?.cells.get(index).sharedModel.getSource();
  return source && IGNORE_COMMENT.test(source) ? 'comment' : 'stale';
}

/** Waive every check that reports a finding in the active cell; resolves with the waived check ids. */
export async function ignoreCellFindings(
  trans: TranslationBundle,
  panel: NotebookPanel,
  model: ReadinessModel
): Promise<string[]> {
  const index = panel.content.activeCellIndex;
  const ids = Array.from(
    new Set(
      (model.report?.findings ?? [])
        .filter(f => f.cell === index)
        .map(f => f.check)
    )
  );
  if (ids.length === 0) {
    Notification.info(trans.__('This cell has no findings to ignore.'), {
      autoClose: 3000
    });
    return [];
  }
  const ignored = waiveChecks(panel.content, index, ids);
  const cellId = panel.content.model?.cells.get(index)?.id ?? null;
  try {
    await model.waiverWritten(ids, { cell: index, cell_id: cellId });
  } catch (error) {
    notifyError(error);
  }
  return ignored;
}
