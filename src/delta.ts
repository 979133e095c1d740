/**
 * The client side of the delta protocol of `POST check` (docs/API.md).
 *
 * On every keystroke only what the server has not acknowledged travels: each
 * cell is sent as its id, type, metadata, execution count and the hash of
 * its source; the source (and the outputs) only when their hash is new to
 * the server. One hash definition on both sides: `sourceHash` here and
 * `jupyter_prod_ext.notebook.source_hash` in Python, tested against the same
 * samples (tests/data/source_hashes.json).
 *
 * The answer's mirror, findings sent as a delta against the report the client
 * holds, is in ./findingsDelta.
 */
import type * as nbformat from '@jupyterlab/nbformat';

// ---------------------------------------------------------------------------
// sha256 (synchronous: crypto.subtle is async and missing outside secure
// contexts, such as a JupyterHub served over plain http)
// ---------------------------------------------------------------------------

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
  0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]);

/**
 * The UTF-8 bytes of `text`; a lone surrogate becomes its 3-byte form, as
 * Python's `surrogatepass` writes it (TextEncoder would write U+FFFD).
 */
export function utf8(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    } else {
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 63);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return out.subarray(0, n);
}

/** sha256 of `bytes`, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  const length = bytes.length;
  const blocks = ((length + 9 + 63) >> 6) << 6;
  const data = new Uint8Array(blocks);
  data.set(bytes);
  data[length] = 0x80;
  const view = new DataView(data.buffer);
  view.setUint32(blocks - 8, Math.floor(length / 0x20000000));
  view.setUint32(blocks - 4, (length << 3) >>> 0);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
    0x1f83d9ab, 0x5be0cd19
  ]);
  const w = new Uint32Array(64);
  for (let off = 0; off < blocks; off += 64) {
    for (let t = 0; t < 16; t++) {
      w[t] = view.getUint32(off + t * 4);
    }
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15];
      const b = w[t - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 =
        ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let t = 0; t < 64; t++) {
      const S1 =
        ((e >>> 6) | (e << 26)) ^
        ((e >>> 11) | (e << 21)) ^
        ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[t] + w[t]) >>> 0;
      const S0 =
        ((a >>> 2) | (a << 30)) ^
        ((a >>> 13) | (a << 19)) ^
        ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  return Array.from(h, x => x.toString(16).padStart(8, '0')).join('');
}

/** The cell's identity in the delta protocol: sha256 of its UTF-8 source, hex. */
export function sourceHash(source: string): string {
  return sha256Hex(utf8(source));
}

// ---------------------------------------------------------------------------
// Request shapes
// ---------------------------------------------------------------------------

export interface IDeltaCell {
  cell_type: string;
  id?: string;
  metadata?: nbformat.IBaseCellMetadata | Record<string, unknown>;
  execution_count?: number | null;
  source_hash: string;
  source?: string;
  outputs_hash?: string;
  outputs?: nbformat.IOutput[];
}

/** `[start, stop]`: the cells `start` to `stop - 1` of the held cells list `cells_base` names. */
export type CellsRange = [number, number];

export interface IDeltaNotebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: nbformat.INotebookMetadata;
  /** The `cells_id` of an answer: `cells` may then hold ranges of that list (./cellsRanges). */
  cells_base?: string;
  cells: Array<IDeltaCell | CellsRange>;
}

/** A delta with every cell listed (what `DeltaTracker.build` makes). */
export interface IFullDelta extends IDeltaNotebook {
  cells_base?: undefined;
  cells: IDeltaCell[];
}

/** The answer of `POST check` to a delta whose hashes the server lacks. */
export interface IMissingAnswer {
  missing: string[];
  cells_id?: string;
}

export function isMissingAnswer(value: unknown): value is IMissingAnswer {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as IMissingAnswer).missing)
  );
}

/**
 * The checks that read cell outputs (`outputs=True` in the Python registry;
 * tests/test_delta.py holds both lists equal). A request selecting none of
 * them leaves outputs out.
 */
export const OUTPUT_CHECKS: ReadonlyArray<string> = [
  'error-output',
  'large-output',
  'outputs-present',
  'secret'
];

/** Whether a check request of this selection needs the cells' outputs. */
export function needsOutputs(checks: 'fast' | 'all' | string[]): boolean {
  return !Array.isArray(checks) || checks.some(c => OUTPUT_CHECKS.includes(c));
}

/**
 * One cell as a delta is built from it. The frontend reads it from the cell
 * model (never from the notebook's `toJSON()`, which copies every output of
 * every cell on every keystroke); `snapshotOf` makes one from nbformat JSON.
 */
export interface ICellSnapshot {
  /** The cell's nbformat id: the key of the per-cell hash cache. */
  id?: string;
  cell_type: string;
  source: string;
  metadata: nbformat.IBaseCellMetadata | Record<string, unknown>;
  /** Code cells only. */
  execution_count?: number | null;
  /**
   * Changes whenever the cell's outputs may have changed; while it is the
   * same, the outputs (and their hash) are not read again. Without it they
   * are read and hashed on every build.
   */
  outputsStamp?: number;
  /** The outputs (code cells), read only when a check needs them. */
  outputs?: () => nbformat.IOutput[];
}

/** A notebook as a delta is built from it. */
export interface INotebookSnapshot {
  nbformat: number;
  nbformat_minor: number;
  metadata: nbformat.INotebookMetadata;
  cells: ReadonlyArray<ICellSnapshot>;
}

/** The snapshot of nbformat JSON (the CLI-shaped full notebook, tests). */
export function snapshotOf(
  content: nbformat.INotebookContent
): INotebookSnapshot {
  return {
    nbformat: content.nbformat,
    nbformat_minor: content.nbformat_minor,
    metadata: content.metadata,
    cells: content.cells.map(cell => {
      const snap: ICellSnapshot = {
        cell_type: cell.cell_type,
        source: joined(cell.source),
        metadata: cell.metadata
      };
      if (typeof cell.id === 'string') {
        snap.id = cell.id;
      }
      if (cell.cell_type === 'code') {
        const code = cell as nbformat.ICodeCell;
        snap.execution_count = code.execution_count ?? null;
        snap.outputs = () => code.outputs ?? [];
      }
      return snap;
    })
  };
}

function joined(source: nbformat.MultilineString): string {
  return Array.isArray(source) ? source.join('') : source;
}

/** What the tracker remembers of one cell between two builds. */
interface ICellMemo {
  source: string;
  sourceHash: string;
  outputsStamp?: number;
  outputs?: nbformat.IOutput[];
  outputsHash?: string;
}

/**
 * What the server acknowledged for one notebook, and the requests that
 * send only the rest.
 *
 * A keystroke changes one cell: each cell's hash is remembered by cell id
 * with the source it was computed from, so only the edited cell is hashed
 * again, and outputs are read and hashed again only when their stamp moved.
 */
export class DeltaTracker {
  /** Hashes of the sources and outputs the server answered a report for. */
  private _acknowledged = new Set<string>();
  /** By cell id (or position for cells without one), the cells of the last build. */
  private _cells = new Map<string, ICellMemo>();

  /**
   * The delta of `notebook`: sources and outputs only where not acknowledged;
   * without `outputs`, none at all (no selected check reads them).
   */
  build(notebook: INotebookSnapshot, outputs = true): IFullDelta {
    const previous = this._cells;
    const next = new Map<string, ICellMemo>();
    const cells = notebook.cells.map((cell, index) => {
      const key = cell.id ?? `#${index}`;
      const memo = this._memo(previous.get(key), cell, outputs);
      next.set(key, memo);
      return this._cell(cell, memo, outputs);
    });
    // only the cells of this build are kept: the memory follows the notebook
    this._cells = next;
    return {
      nbformat: notebook.nbformat,
      nbformat_minor: notebook.nbformat_minor,
      metadata: notebook.metadata,
      cells
    };
  }

  /** The server answered a report for `delta`: it has everything `delta` sent. */
  acknowledge(delta: IFullDelta): void {
    for (const cell of delta.cells) {
      if (cell.source !== undefined) {
        this._acknowledged.add(cell.source_hash);
      }
      if (cell.outputs !== undefined && cell.outputs_hash) {
        this._acknowledged.add(cell.outputs_hash);
      }
    }
  }

  /** The server lost these (or everything, without an argument): send them again. */
  forget(hashes?: ReadonlyArray<string>): void {
    if (hashes === undefined) {
      this._acknowledged.clear();
      return;
    }
    for (const h of hashes) {
      this._acknowledged.delete(h);
    }
  }

  /** The cell's hashes: the remembered ones where source and outputs stamp are unchanged. */
  private _memo(
    old: ICellMemo | undefined,
    cell: ICellSnapshot,
    withOutputs: boolean
  ): ICellMemo {
    const memo: ICellMemo =
      old && old.source === cell.source
        ? { ...old }
        : { ...old, source: cell.source, sourceHash: sourceHash(cell.source) };
    if (!withOutputs || !cell.outputs) {
      return memo;
    }
    const fresh =
      memo.outputsHash !== undefined &&
      cell.outputsStamp !== undefined &&
      memo.outputsStamp === cell.outputsStamp;
    if (!fresh) {
      const outputs = cell.outputs();
      memo.outputs = outputs;
      memo.outputsStamp = cell.outputsStamp;
      memo.outputsHash =
        outputs.length > 0 ? sourceHash(JSON.stringify(outputs)) : '';
    }
    return memo;
  }

  private _cell(
    cell: ICellSnapshot,
    memo: ICellMemo,
    withOutputs: boolean
  ): IDeltaCell {
    const out: IDeltaCell = {
      cell_type: cell.cell_type,
      metadata: cell.metadata,
      source_hash: memo.sourceHash
    };
    if (cell.id !== undefined) {
      out.id = cell.id;
    }
    if (!this._acknowledged.has(memo.sourceHash)) {
      out.source = cell.source;
    }
    if (cell.cell_type === 'code') {
      out.execution_count = cell.execution_count ?? null;
      if (withOutputs && memo.outputsHash && memo.outputs) {
        out.outputs_hash = memo.outputsHash;
        if (!this._acknowledged.has(memo.outputsHash)) {
          out.outputs = memo.outputs;
        }
      }
    }
    return out;
  }
}
