import { notebookContent } from '../model';
import { defaultModulePath } from '../flows/promote';

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
