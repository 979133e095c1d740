/**
 * Edits of an open notebook driven by server answers (fixes, black, waivers)
 * and navigation to a finding. All edits go through the shared model so they
 * are undoable and collaborate like typing does.
 */
import type { Cell, ICodeCellModel, ICellModel } from '@jupyterlab/cells';
import type {
  INotebookModel,
  Notebook,
  NotebookPanel
} from '@jupyterlab/notebook';

import type { IEdit, IFinding, IFormatResult } from './api';
import { CELL_METADATA_KEY } from './tokens';

/** Find a cell by id first (robust to inserted cells), then by index. */
export function resolveCellIndex(
  notebook: Notebook,
  index: number | null,
  cellId: string | null | undefined
): number {
  const cells = notebook.model?.cells;
  if (!cells) {
    return -1;
  }
  if (cellId) {
    for (let i = 0; i < cells.length; i++) {
      if (cells.get(i).id === cellId) {
        return i;
      }
    }
  }
  if (index === null || index < 0 || index >= cells.length) {
    return -1;
  }
  return index;
}

/**
 * Replace the sources of cells (`{"<index>": "<new source>"}`), as `fix.cells`
 * and black answer them. Returns how many cells changed.
 *
 * Each cell is set in its own transaction, as typing in it is: with
 * JupyterLab's default per-cell undo, Ctrl+Z in the cell takes the fix back
 * (in one notebook transaction it went to the notebook's history, which the
 * cell's Ctrl+Z never reads); with document-wide undo, the cell's transaction
 * is the notebook's anyway.
 */
export function applyCellSources(
  notebook: Notebook,
  sources: { [index: string]: string }
): number {
  const model = notebook.model;
  if (!model) {
    return 0;
  }
  const changed = changedCells(model, sources);
  for (const index of changed) {
    model.cells.get(index).sharedModel.setSource(sources[String(index)]);
  }
  return changed.length;
}

/**
 * The cells whose source `sources` (`{"<index>": "<new source>"}`) would
 * change, in notebook order: a Fix reveals the first.
 */
export function changedCells(
  model: Pick<INotebookModel, 'cells'>,
  sources: { [index: string]: string }
): number[] {
  const changed: number[] = [];
  for (const [key, source] of Object.entries(sources)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= model.cells.length) {
      continue;
    }
    if (model.cells.get(index).sharedModel.getSource() !== source) {
      changed.push(index);
    }
  }
  return changed.sort((a, b) => a - b);
}

/**
 * Apply black's answer; a cell whose id no longer matches is left alone
 * (the notebook changed while black ran).
 */
export function applyFormatResult(
  notebook: Notebook,
  result: IFormatResult
): number {
  const sources: { [index: string]: string } = {};
  for (const cell of result.cells) {
    if (!cell.changed) {
      continue;
    }
    const index = resolveCellIndex(notebook, cell.cell, cell.cell_id);
    if (index >= 0) {
      sources[String(index)] = cell.source;
    }
  }
  return applyCellSources(notebook, sources);
}

/** Check ids waived in a cell's metadata (`jupyter_prod.ignore`). */
export function ignoredChecks(cell: ICellModel): string[] {
  const meta = cell.getMetadata(CELL_METADATA_KEY) as
    { ignore?: unknown } | undefined;
  const ignore = meta && Array.isArray(meta.ignore) ? meta.ignore : [];
  return ignore.filter((id): id is string => typeof id === 'string');
}

/**
 * Add check ids to `jupyter_prod.ignore` of a cell; other keys of our
 * metadata namespace are kept. Returns the new list.
 */
export function waiveChecks(
  notebook: Notebook,
  index: number,
  checks: string[]
): string[] {
  const model = notebook.model;
  if (!model || index < 0 || index >= model.cells.length) {
    return [];
  }
  const cell = model.cells.get(index);
  const meta = (cell.getMetadata(CELL_METADATA_KEY) ?? {}) as {
    [key: string]: unknown;
  };
  const ignore = Array.from(
    new Set([...ignoredChecks(cell), ...checks])
  ).sort();
  cell.setMetadata(CELL_METADATA_KEY, { ...meta, ignore });
  return ignore;
}

/**
 * Take check ids out of `jupyter_prod.ignore` of a cell (the key goes when
 * it is left empty, our namespace when nothing else is in it). Returns
 * whether the metadata waived any of them.
 */
export function unwaiveChecks(
  notebook: Notebook,
  index: number,
  checks: string[]
): boolean {
  const model = notebook.model;
  if (!model || index < 0 || index >= model.cells.length) {
    return false;
  }
  const cell = model.cells.get(index);
  const before = ignoredChecks(cell);
  const ignore = before.filter(id => !checks.includes(id));
  if (ignore.length === before.length) {
    return false;
  }
  const { ignore: _dropped, ...rest } = (cell.getMetadata(CELL_METADATA_KEY) ??
    {}) as { [key: string]: unknown };
  void _dropped;
  const meta = ignore.length ? { ...rest, ignore } : rest;
  if (Object.keys(meta).length) {
    cell.setMetadata(CELL_METADATA_KEY, meta);
  } else {
    cell.deleteMetadata(CELL_METADATA_KEY);
  }
  return true;
}

/** Clear outputs and execution counts of every code cell. */
export function stripOutputs(notebook: Notebook): number {
  const model = notebook.model;
  if (!model) {
    return 0;
  }
  let stripped = 0;
  model.sharedModel.transact(() => {
    for (let i = 0; i < model.cells.length; i++) {
      const cell = model.cells.get(i);
      if (cell.type !== 'code') {
        continue;
      }
      const code = cell as ICodeCellModel;
      if (code.outputs.length > 0 || code.executionCount !== null) {
        stripped += 1;
      }
      code.clearExecution();
    }
  });
  notebook.widgets.forEach(cell => {
    if (cell.model.type === 'code') {
      (cell as { outputHidden?: boolean }).outputHidden = false;
    }
  });
  return stripped;
}

/**
 * Draw a cell JupyterLab has not drawn yet.
 *
 * JupyterLab 4 draws a long notebook's cells in idle time, top first: a cell far down may not be
 * drawn for a minute, and scrolling to it waited until it was. It is drawn now the way JupyterLab's
 * idle pass does (`renderCellOutputs` does it for code cells only; markdown and raw cells wait too):
 * it takes its place among the drawn cells and the browser's scroll anchoring keeps it in view as
 * the others come. In the `full` windowing mode the windowed list draws the cells it scrolls to,
 * and drawing here would race its removal of cells out of view, so it is left to the list.
 */
function drawNow(notebook: Notebook, index: number, cell: Cell): void {
  if (
    !cell.isPlaceholder() ||
    notebook.notebookConfig.windowingMode === 'full'
  ) {
    return;
  }
  cell.dataset.windowedListIndex = `${index}`;
  notebook.layout.insertWidget(index, cell);
}

/**
 * Select the finding's cell, scroll to it and put the cursor on its line.
 * Returns the selected index, or -1 when the cell no longer exists.
 */
export async function revealFinding(
  panel: NotebookPanel,
  finding: Pick<IFinding, 'cell' | 'cell_id' | 'line'>
): Promise<number> {
  const notebook = panel.content;
  const index = resolveCellIndex(notebook, finding.cell, finding.cell_id);
  if (index < 0) {
    return -1;
  }
  notebook.mode = 'command';
  notebook.deselectAll();
  notebook.activeCellIndex = index;
  const cell = notebook.widgets[index];
  if (!cell) {
    return index;
  }
  drawNow(notebook, index, cell);
  try {
    await notebook.scrollToCell(cell, 'center');
  } catch {
    // scrolling is best effort (e.g. the panel is hidden)
  }
  if (cell.model.type === 'code') {
    await cell.ready;
    const editor = cell.editor;
    if (editor) {
      const lineCount = editor.lineCount;
      const line = Math.min(
        Math.max((finding.line ?? 1) - 1, 0),
        Math.max(lineCount - 1, 0)
      );
      notebook.mode = 'edit';
      editor.setCursorPosition({ line, column: 0 });
      editor.focus();
    }
  }
  return index;
}

/**
 * Apply `promote`'s `notebook_edits` to the open notebook.
 *
 * Edit indices refer to the notebook the server saw; cells are located by id
 * (falling back to that original index), so earlier deletions and insertions
 * in the same list do not shift later edits. Returns the number of edits
 * applied; throws when an edit's cell cannot be found (nothing is applied).
 */
export function applyNotebookEdits(
  model: NonNullable<Notebook['model']>,
  edits: ReadonlyArray<IEdit>
): number {
  const shared = model.sharedModel;
  // ids of the cells as the server saw them
  const original: string[] = shared.cells.map(cell => cell.id);
  const cellsById = new Map(shared.cells.map(cell => [cell.id, cell]));
  // `shared.cells` is only updated when the transaction ends: the order of
  // the ids is tracked here, edit by edit, so each edit sees the previous ones
  const order = [...original];
  const locate = (cell: number, cellId: string | null | undefined): number => {
    const id = cellId ?? original[cell];
    const index = id !== undefined ? order.indexOf(id) : -1;
    if (index < 0) {
      throw new Error(
        `Cell ${cell + 1} of the promoted notebook is gone; re-run the promotion.`
      );
    }
    return index;
  };
  // validate first, so a bad list changes nothing
  for (const edit of edits) {
    if (edit.op === 'replace' || edit.op === 'delete') {
      locate(edit.cell, edit.cell_id);
    } else if (edit.op === 'insert') {
      if (edit.cell < 0 || edit.cell > original.length) {
        throw new Error(`Cannot insert a cell at ${edit.cell + 1}.`);
      }
    }
  }
  let applied = 0;
  // one transaction: one undoable step (notebook undo restores the cells)
  shared.transact(() => {
    for (const edit of edits) {
      switch (edit.op) {
        case 'replace': {
          const index = locate(edit.cell, edit.cell_id);
          cellsById.get(order[index])!.setSource(edit.source);
          break;
        }
        case 'delete': {
          const index = locate(edit.cell, edit.cell_id);
          shared.deleteCell(index);
          order.splice(index, 1);
          break;
        }
        case 'insert': {
          // before the cell that was at this index, or at the end
          // (or the first later one still there, if an edit deleted it)
          let at = order.length;
          for (let k = edit.cell; k < original.length; k++) {
            const index = order.indexOf(original[k]);
            if (index >= 0) {
              at = index;
              break;
            }
          }
          const cell = shared.insertCell(at, {
            cell_type: edit.cell_type ?? 'code',
            source: edit.source,
            metadata: {}
          });
          order.splice(at, 0, cell.id);
          cellsById.set(cell.id, cell);
          break;
        }
        case 'metadata': {
          for (const [key, value] of Object.entries(edit.metadata)) {
            shared.setMetadata(key, value as any);
          }
          break;
        }
      }
      applied += 1;
    }
  });
  return applied;
}
