/**
 * The request's cells list as a delta (docs/API.md "Cells ranges"): every
 * answer to a delta request names (`cells_id`) the cells list the server now
 * holds; the next request names it (`cells_base`) and sends each run of
 * cells unchanged since as `[start, stop]`, so a keystroke's request is a
 * few items instead of one entry per cell of the notebook.
 */
import type {
  CellsRange,
  IDeltaCell,
  IDeltaNotebook,
  IFullDelta
} from './delta';
import { jsonEqual } from './jsonEqual';
import type { IMissingCellsBaseAnswer } from './wire';

/** Cells lists the client keeps by id: the server keeps two per notebook, one more here. */
const CELLS_HELD = 3;

export function isMissingCellsBase(
  value: unknown
): value is IMissingCellsBaseAnswer {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as IMissingCellsBaseAnswer).missing_cells_base === true
  );
}

/** A cell as the server holds it: its source and outputs by their hashes alone. */
export function heldCell(cell: IDeltaCell): IDeltaCell {
  if (cell.source === undefined && cell.outputs === undefined) {
    return cell;
  }
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { source, outputs, ...held } = cell;
  return held;
}

/** Whether two cells are sent as the same JSON (sources and outputs left out; metadata keys in any order). */
export function sameCell(a: IDeltaCell, b: IDeltaCell): boolean {
  return (
    a.cell_type === b.cell_type &&
    a.id === b.id &&
    a.source_hash === b.source_hash &&
    a.outputs_hash === b.outputs_hash &&
    a.execution_count === b.execution_count &&
    jsonEqual(a.metadata, b.metadata)
  );
}

/**
 * `cells` against the held list `base`: each run of cells equal to
 * consecutive cells of `base` (and sending neither source nor outputs)
 * becomes `[start, stop]`; the others are sent as they are, in order. A cell
 * is looked for at the position after the previous one, else by its id.
 */
export function cellsRanges(
  cells: ReadonlyArray<IDeltaCell>,
  base: ReadonlyArray<IDeltaCell>
): Array<IDeltaCell | CellsRange> {
  const out: Array<IDeltaCell | CellsRange> = [];
  let byId: Map<string, number> | null = null;
  let next = 0;
  for (const cell of cells) {
    let j = -1;
    if (cell.source === undefined && cell.outputs === undefined) {
      if (next < base.length && sameCell(cell, base[next])) {
        j = next;
      } else if (cell.id !== undefined) {
        byId = byId ?? indexById(base);
        const k = byId.get(cell.id);
        j = k !== undefined && sameCell(cell, base[k]) ? k : -1;
      }
    }
    if (j < 0) {
      out.push(cell);
      continue;
    }
    const last = out[out.length - 1];
    if (Array.isArray(last) && last[1] === j) {
      last[1] = j + 1;
    } else {
      out.push([j, j + 1]);
    }
    next = j + 1;
  }
  return out;
}

function indexById(base: ReadonlyArray<IDeltaCell>): Map<string, number> {
  const byId = new Map<string, number>();
  base.forEach((cell, i) => {
    if (cell.id !== undefined && !byId.has(cell.id)) {
      byId.set(cell.id, i);
    }
  });
  return byId;
}

/**
 * The cells lists the server named in its answers, by `cells_id`: the bases
 * a request's ranges may refer to. Only an id the server answered is ever
 * named, with the very list that request sent, so an answer that is dropped
 * or superseded (no answer, no id) never mixes two lists.
 */
export class HeldCells {
  /** The `cells_base` of the next request (undefined: none held). */
  get baseId(): string | undefined {
    return this._order[this._order.length - 1];
  }

  /** `delta` with ranges of the cells list named last, or as it is when none is held. */
  ranged(delta: IFullDelta): IDeltaNotebook {
    const id = this.baseId;
    const base = id === undefined ? undefined : this._held.get(id);
    if (id === undefined || base === undefined) {
      return delta;
    }
    return { ...delta, cells_base: id, cells: cellsRanges(delta.cells, base) };
  }

  /** The server answered `delta` naming its cells list `cellsId` (when a string). */
  answered(cellsId: unknown, delta: IFullDelta): void {
    if (typeof cellsId !== 'string') {
      return;
    }
    this._held.delete(cellsId);
    this._order = this._order.filter(k => k !== cellsId);
    this._held.set(cellsId, delta.cells.map(heldCell));
    this._order.push(cellsId);
    while (this._order.length > CELLS_HELD) {
      this._held.delete(this._order.shift() as string);
    }
  }

  /** Forget every list (the server holds none of them: the next request lists every cell). */
  clear(): void {
    this._held.clear();
    this._order = [];
  }

  private _held = new Map<string, IDeltaCell[]>();
  private _order: string[] = [];
}
