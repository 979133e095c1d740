import { ProdApi } from '../api';
import { DeltaTracker, snapshotOf, sourceHash } from '../delta';
import { NotebookModel } from '@jupyterlab/notebook';
import { CellReader, INotebookSource, ReadinessModel } from '../model';
import { FetchMock, flushPromises } from './fetchMock';
import { Signal } from '@lumino/signaling';

declare const require: (id: string) => any;

/** The samples the Python side is tested against too (tests/test_delta.py). */
const SAMPLES: { source: string; hash: string }[] =
  require('../../tests/data/source_hashes.json').samples;

describe('sourceHash', () => {
  it('agrees with Python on every shared sample', () => {
    expect(SAMPLES.length).toBeGreaterThan(10);
    for (const { source, hash } of SAMPLES) {
      expect(sourceHash(source)).toBe(hash);
    }
  });

  it('is sha256 (FIPS 180-2 test vectors)', () => {
    expect(sourceHash('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    );
    expect(
      sourceHash('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')
    ).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });
});

function notebook(sources: string[]): any {
  return {
    cells: sources.map((source, i) => ({
      cell_type: 'code',
      id: `c${i}`,
      source,
      metadata: {},
      outputs:
        i === 0 ? [{ output_type: 'stream', name: 'stdout', text: 'hi' }] : [],
      execution_count: i + 1
    })),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5
  };
}

describe('DeltaTracker', () => {
  it('sends sources and outputs until the server acknowledged them', () => {
    const tracker = new DeltaTracker();
    const first = tracker.build(snapshotOf(notebook(['a = 1', 'b = a'])));
    expect(first.cells.map(c => c.source)).toEqual(['a = 1', 'b = a']);
    expect(first.cells[0].outputs).toHaveLength(1);
    expect(first.cells[1].outputs_hash).toBeUndefined();
    tracker.acknowledge(first);
    const second = tracker.build(snapshotOf(notebook(['a = 1', 'b = a + 1'])));
    expect(second.cells.map(c => c.source)).toEqual([undefined, 'b = a + 1']);
    expect(second.cells[0].outputs).toBeUndefined();
    expect(second.cells[0].source_hash).toBe(sourceHash('a = 1'));
    tracker.forget([sourceHash('a = 1')]);
    expect(tracker.build(snapshotOf(notebook(['a = 1']))).cells[0].source).toBe(
      'a = 1'
    );
  });
});

describe('DeltaTracker per-cell cache', () => {
  /** Snapshot cells whose outputs reads are counted. */
  function cells(sources: string[], stamps: number[], reads: number[]) {
    return {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: sources.map((source, i) => ({
        id: `c${i}`,
        cell_type: 'code',
        source,
        metadata: {},
        execution_count: null,
        outputsStamp: stamps[i],
        outputs: () => {
          reads[i] += 1;
          return [{ output_type: 'stream', name: 'stdout', text: `o${i}` }];
        }
      }))
    } as any;
  }

  it('reads outputs again only when their stamp moved, and keeps them out when no check needs them', () => {
    const tracker = new DeltaTracker();
    const reads = [0, 0];
    tracker.build(cells(['a', 'b'], [1, 2], reads));
    tracker.build(cells(['a', 'b!'], [1, 2], reads));
    expect(reads).toEqual([1, 1]);
    const moved = tracker.build(cells(['a', 'b!'], [1, 3], reads));
    expect(reads).toEqual([1, 2]);
    expect(moved.cells[1].outputs_hash).toBe(
      sourceHash(
        JSON.stringify([{ output_type: 'stream', name: 'stdout', text: 'o1' }])
      )
    );
    const none = tracker.build(cells(['a', 'b!'], [4, 5], reads), false);
    expect(reads).toEqual([1, 2]);
    expect(none.cells[0].outputs_hash).toBeUndefined();
  });

  it('sends the hash a cell id had for the same source, a new one for a new source', () => {
    const tracker = new DeltaTracker();
    const reads = [0, 0];
    const first = tracker.build(cells(['a', 'b'], [1, 2], reads));
    const second = tracker.build(cells(['a', 'c'], [1, 2], reads));
    expect(second.cells[0].source_hash).toBe(first.cells[0].source_hash);
    expect(second.cells[1].source_hash).toBe(sourceHash('c'));
  });
});

describe('CellReader', () => {
  function model(): NotebookModel {
    const nb = new NotebookModel();
    nb.sharedModel.insertCells(0, [
      { cell_type: 'markdown', id: 'm0', source: '# T', metadata: {} },
      {
        cell_type: 'code',
        id: 'c1',
        source: 'x = 1',
        metadata: {},
        outputs: [],
        execution_count: null
      }
    ]);
    return nb;
  }

  it('reads the cells from the models and re-reads only the changed one', () => {
    const nb = model();
    const reader = new CellReader();
    const first = reader.read(nb);
    expect(first.cells.map(c => [c.id, c.cell_type, c.source])).toEqual([
      ['m0', 'markdown', '# T'],
      ['c1', 'code', 'x = 1']
    ]);
    nb.sharedModel.cells[1].setSource('x = 2');
    const second = reader.read(nb);
    expect(second.cells[0]).toBe(first.cells[0]);
    expect(second.cells[1].source).toBe('x = 2');
    // a source edit leaves the outputs stamp alone
    expect(second.cells[1].outputsStamp).toBe(first.cells[1].outputsStamp);
    reader.dispose();
  });

  it('sees outputs JupyterLab writes silently (kernel output) and moves the stamp', () => {
    const nb = model();
    const reader = new CellReader();
    const first = reader.read(nb);
    const code = nb.cells.get(1) as any;
    // what a kernel's stream output does: the output area model, synced to Yjs silently
    code.outputs.add({ output_type: 'stream', name: 'stdout', text: 'hi\n' });
    const second = reader.read(nb);
    expect(second.cells[1].outputsStamp).not.toBe(first.cells[1].outputsStamp);
    expect(second.cells[1].outputs!()).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'hi\n' }
    ]);
    reader.dispose();
  });

  it('drops the language_info JupyterLab writes before the kernel answered', () => {
    const nb = model();
    nb.setMetadata('language_info', { name: '' });
    nb.setMetadata('kernelspec', { name: 'python3', display_name: 'P' });
    const snap = new CellReader().read(nb);
    expect(snap.metadata.language_info).toBeUndefined();
    expect(snap.metadata.kernelspec).toEqual({
      name: 'python3',
      display_name: 'P'
    });
  });
});

class FakeNotebook implements INotebookSource {
  path = 'work/a.ipynb';
  sources = ['import os', 'print(x)', 'y = 2'];
  contentChanged = new Signal<this, void>(this);
  saved = new Signal<this, void>(this);
  getContent() {
    return notebook(this.sources);
  }
  getSnapshot() {
    return snapshotOf(this.getContent());
  }
}

const REPORT = {
  path: 'work/a.ipynb',
  score: 100,
  findings: [],
  waived: [],
  summary: {
    errors: 0,
    warnings: 0,
    infos: 0,
    waived: 0,
    code_cells: 3,
    checks_run: ['undefined-name']
  }
};

describe('ReadinessModel with the delta protocol', () => {
  let mock: FetchMock;
  let nb: FakeNotebook;
  let model: ReadinessModel;

  beforeEach(() => {
    mock = new FetchMock();
    nb = new FakeNotebook();
    model = new ReadinessModel({
      source: nb,
      client: new ProdApi(mock.settings())
    });
  });

  afterEach(() => model.dispose());

  it('sends only the edited cell source once the server acknowledged the rest', async () => {
    mock.respondAlways(200, REPORT);
    await model.check('fast');
    nb.sources[1] = 'print(os)';
    await model.check('fast');
    const [first, second] = mock.requests.map(r => r.body);
    expect(first.delta.cells.filter((c: any) => 'source' in c)).toHaveLength(3);
    const sent = second.delta.cells.filter((c: any) => 'source' in c);
    expect(sent.map((c: any) => c.source)).toEqual(['print(os)']);
    expect(second.delta.cells.map((c: any) => c.id)).toEqual([
      'c0',
      'c1',
      'c2'
    ]);
    expect(second.delta.cells[0].outputs).toBeUndefined();
    expect(model.score).toBe(100);
  });

  it('leaves outputs out when no selected check reads them', async () => {
    mock.respondAlways(200, REPORT);
    await model.check(['type-error']);
    const cells = mock.requests[0].body.delta.cells;
    expect(cells[0].outputs).toBeUndefined();
    expect(cells[0].outputs_hash).toBeUndefined();
    await model.check(['secret']);
    expect(mock.requests[1].body.delta.cells[0].outputs).toHaveLength(1);
  });

  it('sends again what the server lost, then the whole notebook if it still lacks something', async () => {
    mock.respond(200, REPORT);
    await model.check('fast');
    const lost = sourceHash('import os');
    mock.respond(200, { missing: [lost] });
    mock.respond(200, REPORT);
    await model.check('fast');
    const resent = mock.requests[2].body.delta.cells.filter(
      (c: any) => 'source' in c
    );
    expect(resent.map((c: any) => c.source)).toEqual(['import os']);
    mock.respond(200, { missing: [lost] });
    mock.respond(200, { missing: [sourceHash('y = 2')] });
    mock.respond(200, REPORT);
    await model.check('fast');
    await flushPromises(5);
    const last = mock.requests[mock.requests.length - 1].body;
    expect(last.notebook.cells).toHaveLength(3);
    expect(last.delta).toBeUndefined();
    expect(model.score).toBe(100);
  });

  describe('with cells ranges', () => {
    beforeEach(() => {
      nb.sources = Array.from({ length: 1000 }, (_, i) => `v${i} = ${i}`);
    });

    it('sends ranges of the cells list the server named, and the edited cell', async () => {
      mock.respond(200, { ...REPORT, cells_id: 'L1' });
      await model.check('fast');
      expect(mock.requests[0].body.delta.cells_base).toBeUndefined();
      nb.sources[500] = 'v500 = 0';
      mock.respond(200, { ...REPORT, cells_id: 'L2' });
      await model.check('fast');
      const second = mock.requests[1].body.delta;
      expect(second.cells_base).toBe('L1');
      expect(second.cells).toHaveLength(3);
      expect(second.cells[0]).toEqual([0, 500]);
      expect(second.cells[1].source).toBe('v500 = 0');
      expect(second.cells[2]).toEqual([501, 1000]);
      mock.respond(200, REPORT);
      await model.check('fast');
      expect(mock.requests[2].body.delta).toMatchObject({
        cells_base: 'L2',
        cells: [[0, 1000]]
      });
    });

    it('sends every cell once when the server no longer holds the list', async () => {
      mock.respond(200, { ...REPORT, cells_id: 'L1' });
      await model.check('fast');
      nb.sources[3] = 'v3 = 0';
      mock.respond(200, { missing_cells_base: true });
      mock.respond(200, { ...REPORT, cells_id: 'L2' });
      await model.check('fast');
      const [, ranged, again] = mock.requests.map(r => r.body.delta);
      expect(ranged.cells_base).toBe('L1');
      expect(again.cells_base).toBeUndefined();
      expect(again.cells).toHaveLength(1000);
      expect(again.cells.filter((c: any) => 'source' in c)).toHaveLength(1);
      expect(model.score).toBe(100);
      mock.respond(200, { missing_cells_base: true });
      mock.respond(200, { missing_cells_base: true });
      await expect(model.check('fast')).rejects.toThrow(
        'asked for every cell of a request that listed them all'
      );
    });

    it('never names the list of a request that got no answer', async () => {
      mock.respond(200, { ...REPORT, cells_id: 'L1' });
      await model.check('fast');
      nb.sources[0] = 'v0 = 9';
      mock.respond(409, {
        error: 'A newer check of this notebook replaced this one.',
        kind: 'conflict',
        details: { reason: 'superseded', stage: 'waiting' }
      });
      await model.check('fast');
      mock.respond(200, { ...REPORT, cells_id: 'L3' });
      await model.check('fast');
      const last = mock.requests[2].body.delta;
      expect(last.cells_base).toBe('L1');
      expect(last.cells[0].source).toBe('v0 = 9');
      expect(last.cells[1]).toEqual([1, 1000]);
    });
  });
});
