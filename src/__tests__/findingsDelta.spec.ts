import { IFinding, IReport } from '../api';
import { applyFindingsDelta, HeldReports } from '../findingsDelta';
import type { IReportDelta } from '../wire';

function finding(cell: number, message = 'm'): IFinding {
  return {
    check: 'undefined-name',
    severity: 'error',
    cell,
    cell_id: null,
    line: 1,
    message,
    hint: '',
    fix: null
  };
}

function report(id: string, findings: IFinding[]): IReport {
  return {
    path: 'a.ipynb',
    score: 50,
    findings,
    waived: [],
    summary: {
      errors: findings.length,
      warnings: 0,
      infos: 0,
      waived: 0,
      code_cells: 4,
      checks_run: ['undefined-name']
    },
    report_id: id
  };
}

function delta(
  base: string,
  id: string,
  items: (number[] | IFinding)[]
): IReportDelta {
  const { findings, waived, ...rest } = report(id, []);
  void findings;
  void waived;
  return {
    ...rest,
    report_id: id,
    findings_base: base,
    findings_delta: items,
    waived_delta: []
  };
}

describe('applyFindingsDelta', () => {
  const base = [finding(0), finding(1), finding(2), finding(3)];

  it('copies ranges of the base (the same objects) and adds new findings', () => {
    const fresh = finding(2, 'changed');
    const out = applyFindingsDelta(base, [[0, 2], fresh, [3, 4]]);
    expect(out).toEqual([base[0], base[1], fresh, base[3]]);
    expect(out![0]).toBe(base[0]);
    expect(out![3]).toBe(base[3]);
    expect(applyFindingsDelta(base, [])).toEqual([]);
  });

  it.each([[[[3, 9]]], [[[2, 2]]], [[[-1, 1]]], [[[0.5, 2]]], [[[0, 1, 2]]]])(
    'refuses a range outside the base: %j',
    items => {
      expect(applyFindingsDelta(base, items as number[][])).toBeNull();
    }
  );
});

describe('HeldReports', () => {
  it('applies a delta to the report it names, and names the last one received', () => {
    const held = new HeldReports();
    expect(held.baseId).toBeUndefined();
    const first = report('r1', [finding(0), finding(1)]);
    expect(held.receive(first)).toBe(first);
    expect(held.baseId).toBe('r1');
    const fresh = finding(1, 'new');
    const second = held.receive(delta('r1', 'r2', [[0, 1], fresh]));
    expect(second!.findings).toEqual([first.findings[0], fresh]);
    expect(second!.findings[0]).toBe(first.findings[0]);
    expect(second!.report_id).toBe('r2');
    expect(held.baseId).toBe('r2');
    // an answer that arrives late still names its own base
    const late = held.receive(delta('r1', 'r3', [[1, 2]]));
    expect(late!.findings).toEqual([first.findings[1]]);
  });

  it('gives null (ask again for the full report) on an unknown base or a bad range', () => {
    const held = new HeldReports();
    held.receive(report('r1', [finding(0)]));
    expect(held.receive(delta('gone', 'r2', [[0, 1]]))).toBeNull();
    expect(held.receive(delta('r1', 'r2', [[0, 2]]))).toBeNull();
    expect(held.baseId).toBe('r1'); // nothing of a refused delta is kept
  });

  it('keeps the last three reports only', () => {
    const held = new HeldReports();
    for (const id of ['a', 'b', 'c', 'd']) {
      held.receive(report(id, [finding(0)]));
    }
    expect(held.receive(delta('a', 'e', [[0, 1]]))).toBeNull();
    expect(held.receive(delta('b', 'e', [[0, 1]]))).not.toBeNull();
  });
});
