/**
 * The cells of an open notebook as they were last loaded or saved, to tell
 * the changes a person made since (cells edited, added, deleted, moved) from
 * what makes a notebook dirty without anyone touching a cell: the kernel
 * writing its `language_info` into the metadata when it starts, outputs.
 */
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import type { INotebookModel } from '@jupyterlab/notebook';

/** What a person would lose of a cell: its kind and text (and its id, to pair it across edits). */
export interface ISavedCell {
  id: string;
  type: string;
  source: string;
}

/** The cell changes not saved yet; every field empty when they are not known (only that some are). */
export interface IUnsavedCells {
  /** numbers (as the notebook shows them: from 1) of the cells whose text or kind changed */
  edited: number[];
  /** cells that are new */
  added: number;
  /** cells no longer there */
  deleted: number;
  /** cells kept in another order */
  moved: boolean;
}

/** The cells of a notebook model now. */
export function cellsOf(model: INotebookModel): ISavedCell[] {
  const cells: ISavedCell[] = [];
  for (const cell of model.cells) {
    const shared = cell.sharedModel;
    cells.push({
      id: shared.id,
      type: shared.cell_type,
      source: shared.getSource()
    });
  }
  return cells;
}

/** How `now` differs from `saved` in its cells; null when not at all. */
export function unsavedCells(
  saved: ReadonlyArray<ISavedCell>,
  now: ReadonlyArray<ISavedCell>
): IUnsavedCells | null {
  const before = new Map(saved.map(cell => [cell.id, cell]));
  const edited: number[] = [];
  let added = 0;
  now.forEach((cell, index) => {
    const old = before.get(cell.id);
    if (!old) {
      added += 1;
    } else if (old.type !== cell.type || old.source !== cell.source) {
      edited.push(index + 1);
    }
  });
  const ids = new Set(now.map(cell => cell.id));
  const deleted = saved.filter(cell => !ids.has(cell.id)).length;
  const keptBefore = saved.map(cell => cell.id).filter(id => ids.has(id));
  const keptNow = now.map(cell => cell.id).filter(id => before.has(id));
  const moved = keptBefore.some((id, i) => keptNow[i] !== id);
  if (edited.length === 0 && added === 0 && deleted === 0 && !moved) {
    return null;
  }
  return { edited, added, deleted, moved };
}

/**
 * Follows one open notebook: its cells are taken whenever the model is
 * clean (opened, saved, reverted), and compared with the model's on demand.
 */
export class SavedCells {
  constructor(
    private _context: Pick<
      DocumentRegistry.IContext<INotebookModel>,
      'model' | 'ready'
    >
  ) {
    _context.model.stateChanged.connect(this._onStateChanged, this);
    void _context.ready.then(() => this._takeIfClean());
  }

  /**
   * The cell changes a save would write now; null when the cells are as
   * saved (the model may still be dirty: metadata, outputs). Empty fields
   * when the model is dirty and its saved cells were never seen.
   */
  changes(): IUnsavedCells | null {
    const model = this._context.model;
    if (!model.dirty) {
      return null;
    }
    if (!this._saved) {
      return { edited: [], added: 0, deleted: 0, moved: false };
    }
    return unsavedCells(this._saved, cellsOf(model));
  }

  dispose(): void {
    this._context.model.stateChanged.disconnect(this._onStateChanged, this);
    this._saved = null;
  }

  private _onStateChanged(
    _: unknown,
    change: { name: string; newValue?: unknown }
  ): void {
    if (change.name === 'dirty' && change.newValue === false) {
      this._takeIfClean();
    }
  }

  private _takeIfClean(): void {
    if (!this._context.model.dirty) {
      this._saved = cellsOf(this._context.model);
    }
  }

  private _saved: ISavedCell[] | null = null;
}
