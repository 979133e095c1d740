import { IFinding } from '../api';
import { familyOf, groupByFamily } from '../families';
import { notebookContent } from '../model';
import { defaultModulePath } from '../flows/promote';

function f(check: string, extra: Partial<IFinding> & { family?: string } = {}) {
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

describe('familyOf', () => {
  it('is the family the server sends', () => {
    expect(familyOf(f('undefined-name', { family: 'dataflow' }))).toBe(
      'dataflow'
    );
    expect(familyOf(f('secret', { family: 'security' }))).toBe('security');
  });

  it('puts a finding without a known family under "other"', () => {
    expect(familyOf(f('run-error'))).toBe('other');
    expect(familyOf(f('zzz', { family: 'future-family' }))).toBe('other');
  });
});

describe('groupByFamily', () => {
  it('groups in display order and keeps the findings order', () => {
    const groups = groupByFamily([
      f('type-error', { family: 'quality' }),
      f('undefined-name', { cell: 2, family: 'dataflow' }),
      f('out-of-order-execution', { family: 'execution' }),
      f('undefined-name', { cell: 1, family: 'dataflow' }),
      f('zzz')
    ]);
    expect(groups.map(g => g.family)).toEqual([
      'execution',
      'dataflow',
      'quality',
      'other'
    ]);
    expect(groups[1].findings.map(x => x.cell)).toEqual([2, 1]);
  });
});

describe('notebookContent', () => {
  const panel = (metadata: any) =>
    ({
      content: {
        model: {
          toJSON: () => ({
            cells: [],
            metadata,
            nbformat: 4,
            nbformat_minor: 5
          })
        }
      },
      context: {}
    }) as any;

  it('drops the empty language_info JupyterLab writes before the kernel answers', () => {
    const content = notebookContent(
      panel({ kernelspec: { name: 'python3' }, language_info: { name: '' } })
    );
    expect(content!.metadata).toEqual({ kernelspec: { name: 'python3' } });
  });

  it('keeps a real language_info', () => {
    const content = notebookContent(
      panel({ language_info: { name: 'python' } })
    );
    expect(content!.metadata.language_info).toEqual({ name: 'python' });
  });
});

describe('defaultModulePath', () => {
  it('uses the configured folder', () => {
    expect(defaultModulePath('analysis/Sales Report.ipynb', 'src/pkg/')).toBe(
      'src/pkg/sales_report.py'
    );
  });

  it('puts the module next to the notebook in a package-like folder', () => {
    expect(defaultModulePath('analysis/sales.ipynb', '')).toBe(
      'analysis/sales.py'
    );
    expect(defaultModulePath('sales.ipynb', '')).toBe('sales.py');
  });

  it('falls back to the root when the folder is not importable', () => {
    expect(defaultModulePath('my-work/2024 sales.ipynb', '')).toBe(
      '_2024_sales.py'
    );
  });
});
