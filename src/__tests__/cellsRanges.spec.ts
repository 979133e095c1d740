import { cellsRanges, heldCell, HeldCells } from '../cellsRanges';
import type { IDeltaCell, IFullDelta } from '../delta';

function cell(i: number, extra: Partial<IDeltaCell> = {}): IDeltaCell {
  return {
    cell_type: 'code',
    id: `c${i}`,
    metadata: {},
    source_hash: `${i}`.padStart(64, '0'),
    execution_count: null,
    ...extra
  };
}

function full(cells: IDeltaCell[]): IFullDelta {
  return { nbformat: 4, nbformat_minor: 5, metadata: {}, cells };
}

const BASE = Array.from({ length: 1000 }, (_, i) => cell(i));

describe('cellsRanges', () => {
  it('sends a one-cell edit of 1000 cells as three items', () => {
    const cells: IDeltaCell[] = BASE.map(c => ({ ...c, metadata: {} }));
    cells[500] = cell(500, { source_hash: 'f'.repeat(64), source: 'x = 1' });
    expect(cellsRanges(cells, BASE)).toEqual([
      [0, 500],
      cells[500],
      [501, 1000]
    ]);
  });

  it('follows inserted, deleted and moved cells by id', () => {
    const fresh = cell(2000, { source: 'new' });
    const cells = [BASE[0], fresh, BASE[1], BASE[3], BASE[5], BASE[4]];
    expect(cellsRanges(cells, BASE.slice(0, 6))).toEqual([
      [0, 1],
      fresh,
      [1, 2],
      [3, 4],
      [5, 6],
      [4, 5]
    ]);
  });

  it('sends a cell whose source, metadata, count or outputs changed, or that carries its source', () => {
    const changed = [
      cell(0, { metadata: { tags: ['x'] } }),
      cell(1, { execution_count: 3 }),
      cell(2, { outputs_hash: 'a'.repeat(64) }),
      cell(3, { source: 'same hash, sent again' }),
      cell(4, { cell_type: 'markdown' }),
      cell(5, { id: 'other' })
    ];
    expect(cellsRanges(changed, BASE.slice(0, 6))).toEqual(changed);
  });

  it('compares metadata as data: keys in any order, arrays in order', () => {
    const base = [
      cell(0, {
        metadata: { tags: ['a', 'b'], jupyter: { outputs_hidden: true } }
      }),
      cell(1, { metadata: { tags: ['a', 'b'] } })
    ];
    const reordered = cell(0, {
      metadata: { jupyter: { outputs_hidden: true }, tags: ['a', 'b'] }
    });
    const swapped = cell(1, { metadata: { tags: ['b', 'a'] } });
    expect(cellsRanges([reordered, swapped], base)).toEqual([[0, 1], swapped]);
  });

  it('matches cells without ids by position only', () => {
    const bare = BASE.slice(0, 3).map(c => heldCell({ ...c, id: undefined }));
    const cells = [bare[1], bare[2]];
    expect(cellsRanges(cells, bare)).toEqual([bare[1], bare[2]]);
    expect(cellsRanges(bare, bare)).toEqual([[0, 3]]);
  });
});

describe('HeldCells', () => {
  it('names only lists the server answered, the last one first, three at most', () => {
    const held = new HeldCells();
    const delta = full(BASE.slice(0, 3).map(c => ({ ...c, source: 's' })));
    expect(held.ranged(delta)).toBe(delta); // nothing answered yet: every cell
    held.answered(undefined, delta); // an answer without an id (an older server)
    expect(held.baseId).toBeUndefined();
    for (const id of ['a', 'b', 'c', 'd']) {
      held.answered(id, delta);
    }
    expect(held.baseId).toBe('d');
    const next = full(BASE.slice(0, 3));
    expect(held.ranged(next)).toEqual({
      ...next,
      cells_base: 'd',
      cells: [[0, 3]]
    });
    held.clear();
    expect(held.ranged(next)).toBe(next);
  });

  it('keeps cells without their sources and outputs', () => {
    const c = cell(1, {
      source: 'x',
      outputs: [],
      outputs_hash: 'b'.repeat(64)
    });
    expect(heldCell(c)).toEqual(cell(1, { outputs_hash: 'b'.repeat(64) }));
    expect(heldCell(BASE[0])).toBe(BASE[0]);
  });
});
