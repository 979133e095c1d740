import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import { unsavedChanges } from '../flows/promote';
import { ISavedCell, SavedCells, unsavedCells } from '../savedCells';
import { unsavedLine } from '../widgets/PromotePreview';

const trans = nullTranslator.load('jupyterlab');

const cell = (id: string, source: string, type = 'code'): ISavedCell => ({
  id,
  type,
  source
});

describe('unsavedCells', () => {
  const saved = [
    cell('a', 'import math'),
    cell('b', 'x = 1'),
    cell('c', '# t', 'markdown')
  ];

  it('finds nothing when only the metadata or outputs changed (the cells are as saved)', () => {
    expect(
      unsavedCells(
        saved,
        saved.map(c => ({ ...c }))
      )
    ).toBeNull();
  });

  it('names the edited cells by the numbers the notebook shows, and counts added and deleted ones', () => {
    expect(
      unsavedCells(saved, [
        cell('a', 'import math'),
        cell('b', 'x = 2'),
        cell('d', 'y')
      ])
    ).toEqual({ edited: [2], added: 1, deleted: 1, moved: false });
    expect(
      unsavedCells(saved, [saved[0], cell('c', '# t', 'raw'), saved[1]])
    ).toEqual({ edited: [2], added: 0, deleted: 0, moved: true });
  });
});

describe('SavedCells', () => {
  /** A notebook model of `cells`, dirty or not, with JupyterLab's stateChanged signal. */
  const context = (cells: ISavedCell[]) => {
    const model = {
      dirty: false,
      stateChanged: new Signal<unknown, { name: string; newValue: unknown }>(
        {}
      ),
      cells: cells.map(c => ({
        sharedModel: { id: c.id, cell_type: c.type, getSource: () => c.source }
      }))
    };
    return { model, ready: Promise.resolve() } as any;
  };

  it('tells a kernel-dirty notebook from one whose cells changed', async () => {
    const ctx = context([cell('a', 'x = 1')]);
    const saved = new SavedCells(ctx);
    await ctx.ready;
    // the kernel starting writes language_info: dirty, no cell changed
    ctx.model.dirty = true;
    expect(saved.changes()).toBeNull();
    ctx.model.cells[0].sharedModel.getSource = () => 'x = 2';
    expect(saved.changes()).toEqual({
      edited: [1],
      added: 0,
      deleted: 0,
      moved: false
    });
    // saved: the cells now are the saved ones
    ctx.model.dirty = false;
    ctx.model.stateChanged.emit({ name: 'dirty', newValue: false });
    ctx.model.dirty = true;
    expect(saved.changes()).toBeNull();
    saved.dispose();
  });

  it('says only that there are changes when it never saw the notebook clean', async () => {
    const ctx = context([cell('a', 'x = 1')]);
    ctx.model.dirty = true;
    const saved = new SavedCells(ctx);
    await ctx.ready;
    expect(saved.changes()).toEqual({
      edited: [],
      added: 0,
      deleted: 0,
      moved: false
    });
  });
});

describe('unsavedChanges', () => {
  it("asks the notebook's saved cells, else says a dirty notebook has changes", () => {
    const none = { source: { unsavedCells: () => null } } as any;
    expect(unsavedChanges(none, true)).toBeNull();
    const bare = { source: {} } as any;
    expect(unsavedChanges(bare, false)).toBeNull();
    expect(unsavedChanges(bare, true)).toEqual({
      edited: [],
      added: 0,
      deleted: 0,
      moved: false
    });
  });
});

describe('unsavedLine', () => {
  it('says what Promote saves besides its edits', () => {
    expect(
      unsavedLine(trans, { edited: [2], added: 0, deleted: 0, moved: false })
    ).toBe(
      'Promote saves the notebook, with its edits and your unsaved changes (cell 2 edited).'
    );
    expect(
      unsavedLine(trans, {
        edited: [2, 4, 5],
        added: 2,
        deleted: 1,
        moved: true
      })
    ).toBe(
      'Promote saves the notebook, with its edits and your unsaved changes (cells 2, 4 and 5 edited, 2 cells added, 1 cell deleted, cells moved).'
    );
    expect(
      unsavedLine(trans, { edited: [], added: 0, deleted: 0, moved: false })
    ).toBe(
      'Promote saves the notebook, with its edits and your unsaved changes.'
    );
  });
});
