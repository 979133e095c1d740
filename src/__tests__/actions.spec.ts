import { NotebookModel } from '@jupyterlab/notebook';

import { applyNotebookEdits, changedCells, ignoredChecks } from '../actions';
import { IEdit } from '../api';
import { codeNotebook as notebook } from './notebooks';

const sources = (model: NotebookModel) =>
  model.sharedModel.cells.map(cell => cell.getSource());

describe('applyNotebookEdits', () => {
  it('applies replace, delete and insert against the original indices', () => {
    const model = notebook(['a', 'b', 'c', 'd']);
    const edits: IEdit[] = [
      { op: 'delete', cell: 1, cell_id: 'c1' },
      { op: 'replace', cell: 2, cell_id: 'c2', source: 'C' },
      { op: 'insert', cell: 2, source: 'from mod import f', cell_type: 'code' },
      { op: 'insert', cell: 4, source: 'tail', cell_type: 'code' }
    ];
    expect(applyNotebookEdits(model, edits)).toBe(4);
    expect(sources(model)).toEqual([
      'a',
      'from mod import f',
      'C',
      'd',
      'tail'
    ]);
  });

  it('inserts before the next surviving cell when the target was deleted', () => {
    const model = notebook(['a', 'b', 'c']);
    applyNotebookEdits(model, [
      { op: 'delete', cell: 1, cell_id: 'c1' },
      { op: 'insert', cell: 1, source: 'import x', cell_type: 'code' }
    ]);
    expect(sources(model)).toEqual(['a', 'import x', 'c']);
  });

  it('changes nothing when a cell is gone', () => {
    const model = notebook(['a', 'b']);
    expect(() =>
      applyNotebookEdits(model, [
        { op: 'replace', cell: 0, cell_id: 'c0', source: 'A' },
        { op: 'replace', cell: 5, cell_id: 'zzz', source: 'B' }
      ])
    ).toThrow(/re-run the promotion/);
    expect(sources(model)).toEqual(['a', 'b']);
  });

  it('applies the whole promotion as one undoable step', () => {
    const model = notebook(['import math', 'area = math.pi', 'print(area)']);
    // the cells the test created are not part of the history
    model.sharedModel.clearUndoHistory();
    applyNotebookEdits(model, [
      {
        op: 'replace',
        cell: 2,
        cell_id: 'c2',
        source: 'from shapes import area\nprint(area)'
      },
      { op: 'delete', cell: 1, cell_id: 'c1' },
      { op: 'delete', cell: 0, cell_id: 'c0' },
      { op: 'insert', cell: 0, source: '# promoted', cell_type: 'code' },
      { op: 'metadata', metadata: { jupyter_prod: { modules: ['shapes.py'] } } }
    ]);
    expect(sources(model)).toEqual([
      '# promoted',
      'from shapes import area\nprint(area)'
    ]);
    expect(model.sharedModel.canUndo()).toBe(true);
    model.sharedModel.undo();
    // one step: nothing left to undo
    expect(model.sharedModel.canUndo()).toBe(false);
    expect(sources(model)).toEqual([
      'import math',
      'area = math.pi',
      'print(area)'
    ]);
    expect(model.sharedModel.cells.map(cell => cell.id)).toEqual([
      'c0',
      'c1',
      'c2'
    ]);
  });

  it('sets notebook metadata keys', () => {
    const model = notebook(['a']);
    applyNotebookEdits(model, [
      { op: 'metadata', metadata: { jupyter_prod: { modules: ['m.py'] } } }
    ]);
    expect(model.sharedModel.getMetadata('jupyter_prod')).toEqual({
      modules: ['m.py']
    });
  });
});

describe('ignoredChecks', () => {
  it('reads jupyter_prod.ignore and skips junk', () => {
    const model = notebook(['a']);
    const cell = model.cells.get(0);
    expect(ignoredChecks(cell)).toEqual([]);
    cell.setMetadata('jupyter_prod', { ignore: ['undefined-name', 3] });
    expect(ignoredChecks(cell)).toEqual(['undefined-name']);
  });
});

describe('changedCells', () => {
  it('lists the cells a fix changes in notebook order (a Fix reveals the first)', () => {
    const model = notebook(['a', 'b', 'c', 'd']);
    expect(
      changedCells(model, { '3': 'D', '1': 'B', '2': 'c', '9': 'x', z: 'y' })
    ).toEqual([1, 3]);
    expect(changedCells(model, { '0': 'a' })).toEqual([]);
  });
});
