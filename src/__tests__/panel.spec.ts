import { IFinding } from '../api';
import { groupFindings } from '../widgets/FindingGroups';

function f(check: string, extra: Partial<IFinding> = {}) {
  return {
    check,
    severity: 'warning',
    cell: 0,
    cell_id: null,
    line: null,
    message: check,
    hint: '',
    fix: null,
    ...extra
  } as IFinding;
}

const ORDER = ['execution', 'dataflow', 'quality', 'other'] as const;

describe('groupFindings', () => {
  it('groups by the family the server sent, in display order, keeping the findings order', () => {
    const groups = groupFindings(
      [
        f('type-error', { family: 'quality' }),
        f('undefined-name', { cell: 2, family: 'dataflow' }),
        f('out-of-order-execution', { family: 'execution' }),
        f('undefined-name', { cell: 1, family: 'dataflow' })
      ],
      ORDER
    );
    expect(groups.map(g => g.group)).toEqual([
      'execution',
      'dataflow',
      'quality'
    ]);
    expect(groups[1].findings.map(x => x.cell)).toEqual([2, 1]);
  });

  it('puts a finding without a family, or of a family it does not show, under "other"', () => {
    const groups = groupFindings(
      [
        f('run-error'),
        f('secret', { family: 'security' }),
        f('zzz', { family: 'future' as IFinding['family'] })
      ],
      ORDER
    );
    expect(groups.map(g => g.group)).toEqual(['other']);
    expect(groups[0].findings.map(x => x.check)).toEqual([
      'run-error',
      'secret',
      'zzz'
    ]);
  });
});
