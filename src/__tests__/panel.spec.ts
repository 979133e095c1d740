import { nullTranslator } from '@jupyterlab/translation';

import { IFinding } from '../api';
import type { ReadinessModel } from '../model';
import { groupFindings } from '../widgets/FindingGroups';
import {
  type IFindingProps,
  type IPanelActions,
  sameItemProps
} from '../widgets/FindingList';
import { rovingTarget } from '../widgets/roving';
import { unknownChecksLine } from '../widgets/UnknownChecks';

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

describe('sameItemProps', () => {
  // the comparison reads these by identity only
  const model = {} as ReadinessModel;
  const actions = {} as IPanelActions;
  const trans = {} as IFindingProps['trans'];
  const item = (finding: IFinding, upToDate = true): IFindingProps => ({
    model,
    actions,
    trans,
    finding,
    upToDate
  });

  it('keeps an item whose finding is a new object of the same data, in any key order', () => {
    const finding = f('undefined-name', { cell: 2, line: 3, message: 'x?' });
    const reordered: IFinding = {
      fix: null,
      hint: '',
      message: 'x?',
      line: 3,
      cell_id: null,
      cell: 2,
      severity: 'warning',
      check: 'undefined-name'
    };
    expect(Object.keys(reordered)).not.toEqual(Object.keys(finding));
    expect(sameItemProps(item(finding), item(reordered))).toBe(true);
  });

  it('renders an item again when its finding changed, or the state of its Fix button', () => {
    const finding = f('undefined-name', { cell: 2, line: 3 });
    const moved = { ...finding, line: 4 };
    expect(sameItemProps(item(finding), item(moved))).toBe(false);
    const fixable = f('unused-import', {
      fix: { description: 'drop it', cells: { '0': '' } }
    });
    expect(
      sameItemProps(item(fixable, true), item({ ...fixable }, false))
    ).toBe(false);
    expect(
      sameItemProps(item(finding, true), item({ ...finding }, false))
    ).toBe(true);
  });
});

describe('unknownChecksLine', () => {
  it('names each unknown id with the setting that holds it, and where the ids are', () => {
    const trans = nullTranslator.load('jupyterlab');
    const settings = { select: ['hygene'], ignore: ['black', 'secret'] };
    expect(unknownChecksLine(['black'], settings, trans)).toBe(
      "Unknown check id in the settings: 'black' (Hide these checks). Each finding shows its check id; `jupyter-prod checks` lists them all."
    );
    expect(unknownChecksLine(['black', 'hygene'], settings, trans)).toMatch(
      /^Unknown check ids in the settings: 'black' \(Hide these checks\), 'hygene' \(Show only these checks\)\. /
    );
  });
});

describe('rovingTarget', () => {
  it('moves with the arrows (wrapping), Home and End, and ignores other keys', () => {
    expect(rovingTarget('ArrowRight', 0, 4)).toBe(1);
    expect(rovingTarget('ArrowDown', 3, 4)).toBe(0);
    expect(rovingTarget('ArrowLeft', 0, 4)).toBe(3);
    expect(rovingTarget('ArrowUp', 2, 4)).toBe(1);
    expect(rovingTarget('Home', 2, 4)).toBe(0);
    expect(rovingTarget('End', 0, 4)).toBe(3);
    expect(rovingTarget('Tab', 0, 4)).toBeNull();
    expect(rovingTarget('Enter', 1, 4)).toBeNull();
    // a tablist is horizontal: Up and Down are no moves in it (WAI-ARIA tabs)
    expect(rovingTarget('ArrowDown', 0, 4, true)).toBeNull();
    expect(rovingTarget('ArrowUp', 1, 4, true)).toBeNull();
    expect(rovingTarget('ArrowRight', 3, 4, true)).toBe(0);
  });
});
