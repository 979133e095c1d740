import { Notification } from '@jupyterlab/apputils';
import type { NotebookModel } from '@jupyterlab/notebook';
import { Signal } from '@lumino/signaling';

import { ignoredChecks, waiveChecks } from '../actions';
import { IFinding, ProdApi } from '../api';
import {
  ignoreCellFindings,
  unwaiveFinding,
  waiveFinding
} from '../flows/check';
import { formatCells } from '../flows/format';
import {
  defaultModulePath,
  notebookSaving,
  saveAll,
  saveNotebook,
  serverPath,
  warmTypeCheck
} from '../flows/promote';
import { notebookContent } from '../model';
import { FetchMock } from './fetchMock';
import { codeNotebook } from './notebooks';

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

describe('serverPath', () => {
  it('is the exact path from the server root of a path in the project', () => {
    expect(serverPath('.', 'pkg/utils.py')).toBe('pkg/utils.py');
    expect(serverPath('proj', 'pkg\\utils.py')).toBe('proj/pkg/utils.py');
    expect(serverPath('proj', './utils.py')).toBe('proj/utils.py');
    expect(serverPath('.', 'utils.py')).not.toBe('other/utils.py');
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

describe('formatCells', () => {
  const trans = { __: (text: string) => text } as any;
  const panel = {
    content: {
      model: {
        toJSON: () => ({
          cells: [],
          metadata: {},
          nbformat: 4,
          nbformat_minor: 5
        })
      }
    },
    context: { localPath: 'a.ipynb' }
  } as any;
  // the panel's model of the notebook: no black finding to check again
  const model = { report: null } as any;
  let mock: FetchMock;
  let shown: jest.SpyInstance;

  beforeEach(() => {
    mock = new FetchMock();
    shown = jest.spyOn(Notification, 'error').mockImplementation(() => '');
  });

  afterEach(() => {
    shown.mockRestore();
  });

  it('shows nothing when a newer format of the notebook replaced this one', async () => {
    mock.respond(409, {
      error:
        'A newer check of this notebook replaced this one while it ran (its tools were stopped or their answer dropped); its answer is the current one.',
      kind: 'conflict',
      details: { reason: 'superseded', stage: 'running' }
    });
    const api = new ProdApi(mock.settings());
    await expect(formatCells(api, trans, panel, model)).resolves.toBeNull();
    expect(mock.requests.map(r => r.url)).toEqual([
      'http://localhost:8888/lab-base/jupyter-prod/format'
    ]);
    expect(shown).not.toHaveBeenCalled();
  });

  it('still shows any other failure', async () => {
    mock.respond(409, { error: 'Busy.', kind: 'conflict', details: null });
    const api = new ProdApi(mock.settings());
    await expect(formatCells(api, trans, panel, model)).resolves.toBeNull();
    expect(shown).toHaveBeenCalledWith('Busy.', { autoClose: 10000 });
  });
});

describe('saveAll', () => {
  let shown: jest.SpyInstance;

  beforeEach(() => {
    shown = jest.spyOn(Notification, 'error').mockImplementation(() => '');
  });

  afterEach(() => {
    shown.mockRestore();
  });

  /** A context whose save rejects like JupyterLab's (or resolves). */
  const context = (failure: Error | null) => ({
    save: jest.fn(() => (failure ? Promise.reject(failure) : Promise.resolve()))
  });

  it('saves every file', async () => {
    const files = [context(null), context(null)];
    await expect(saveAll(files)).resolves.toBe(true);
    files.forEach(f => expect(f.save).toHaveBeenCalledTimes(1));
  });

  it('stops quietly at Cancel in the File Changed dialog, and at a save JupyterLab reported', async () => {
    const cancel = new Error('Cancel');
    cancel.name = 'ModalCancelError';
    for (const failure of [cancel, new Error('Permission denied')]) {
      const after = context(null);
      await expect(saveAll([context(failure), after])).resolves.toBe(false);
      expect(after.save).not.toHaveBeenCalled();
    }
    expect(shown).not.toHaveBeenCalled();
  });
});

describe('saveNotebook', () => {
  /** A notebook tab whose context saves as JupyterLab's does (saveState, dirty). */
  const notebook = () => {
    const context = {
      saveState: new Signal<unknown, string>({}),
      model: { dirty: true },
      save: jest.fn(async () => {
        context.saveState.emit('started');
        context.model.dirty = false;
        context.saveState.emit('completed');
      })
    };
    return { context, isUntitled: false } as any;
  };

  /** JupyterLab's Save command: skips while a save of its own runs (its `saveInProgress`). */
  const saveCommand = (panel: any, busy: { inFlight: boolean }) =>
    jest.fn(async (id: string) => {
      expect(id).toBe('docmanager:save');
      if (busy.inFlight) {
        return undefined;
      }
      await panel.context.save();
      return { id: 'checkpoint' };
    });

  it('saves the current tab through the Save command, so a Ctrl+S meanwhile is skipped', async () => {
    const panel = notebook();
    const execute = saveCommand(panel, { inFlight: false });
    const app = { shell: { currentWidget: panel }, commands: { execute } };
    await expect(saveNotebook(app as any, panel)).resolves.toBe(true);
    expect(execute).toHaveBeenCalledTimes(1);
    expect(panel.context.save).toHaveBeenCalledTimes(1);
  });

  it('waits for a Ctrl+S in flight (the command skipped ours), then saves the edits', async () => {
    const panel = notebook();
    const busy = { inFlight: true };
    const execute = saveCommand(panel, busy);
    const app = { shell: { currentWidget: panel }, commands: { execute } };
    const saved = saveNotebook(app as any, panel);
    await Promise.resolve();
    await Promise.resolve();
    expect(execute).toHaveBeenCalledTimes(1);
    expect(panel.context.save).not.toHaveBeenCalled();
    // the user's save ends (it did not hold the edits: JupyterLab marks the model clean anyway)
    busy.inFlight = false;
    panel.context.model.dirty = false;
    panel.context.saveState.emit('completed');
    await expect(saved).resolves.toBe(true);
    expect(execute).toHaveBeenCalledTimes(2);
    expect(panel.context.save).toHaveBeenCalledTimes(1);
  });

  it('is not saved when the user cancels "File Changed" (the model stays dirty)', async () => {
    const panel = notebook();
    panel.context.save = jest.fn(async () => {
      panel.context.saveState.emit('started');
    });
    const execute = saveCommand(panel, { inFlight: false });
    const app = { shell: { currentWidget: panel }, commands: { execute } };
    await expect(saveNotebook(app as any, panel)).resolves.toBe(false);
  });

  it('saves another tab, or an untitled notebook, through its document', async () => {
    for (const untitled of [false, true]) {
      const panel = notebook();
      panel.isUntitled = untitled;
      const execute = jest.fn();
      const current = untitled ? panel : notebook();
      const app = { shell: { currentWidget: current }, commands: { execute } };
      await expect(saveNotebook(app as any, panel)).resolves.toBe(true);
      expect(execute).not.toHaveBeenCalled();
      expect(panel.context.save).toHaveBeenCalledTimes(1);
    }
  });
});

describe('notebookSaving', () => {
  const context = (canSave: boolean, collaborative: boolean) => ({
    canSave,
    model: { collaborative }
  });

  it('saves a writable notebook', () => {
    expect(notebookSaving(context(true, false))).toBe('save');
  });

  it('leaves a collaborative document to save itself', () => {
    expect(notebookSaving(context(false, true))).toBe('collaborative');
  });

  it('finds a read-only notebook (that Promote refuses before writing)', () => {
    expect(notebookSaving(context(false, false))).toBe('read-only');
  });
});

describe('warmTypeCheck', () => {
  const model = (checksRun: string[] | null) => {
    const check = jest.fn(() => Promise.resolve(null));
    const report = checksRun ? { summary: { checks_run: checksRun } } : null;
    return { model: { report, check } as any, check };
  };

  it('starts the type check when none ran since the notebook opened', () => {
    for (const ran of [null, ['secret', 'syntax-error']]) {
      const { model: m, check } = model(ran);
      warmTypeCheck(m);
      expect(check).toHaveBeenCalledWith(['type-error']);
    }
  });

  it('leaves a notebook that was type-checked alone (its mypy daemon is warm)', () => {
    const { model: m, check } = model(['secret', 'type-error']);
    warmTypeCheck(m);
    expect(check).not.toHaveBeenCalled();
  });
});

describe('unwaiveFinding', () => {
  const trans = {
    __: (text: string, ...args: string[]) =>
      args.reduce((t, a, i) => t.replace(`%${i + 1}`, a), text)
  } as any;
  let told: jest.SpyInstance;
  const opened: NotebookModel[] = [];

  beforeEach(() => {
    told = jest.spyOn(Notification, 'info').mockImplementation(() => '');
  });

  afterEach(() => {
    told.mockRestore();
    opened.splice(0).forEach(notebook => notebook.dispose());
  });

  /** A notebook of code cells c0, c1, ... and a model that records its re-checks. */
  const open = (sources: string[]) => {
    const notebook = codeNotebook(sources);
    opened.push(notebook);
    const panel = { content: { model: notebook } } as any;
    const recheck = jest.fn(() => Promise.resolve(null));
    return { panel, model: { recheck } as any, recheck };
  };
  const waived = (cell: number | null, cellId: string): IFinding => ({
    check: 'unused-import',
    severity: 'warning',
    cell,
    cell_id: cellId,
    line: 1,
    message: 'os is imported but never used',
    hint: '',
    fix: null
  });

  it("takes the cell metadata's waiver back and checks again", async () => {
    const { panel, model, recheck } = open(['import os']);
    waiveChecks(panel.content, 0, ['unused-import']);
    await expect(
      unwaiveFinding(trans, panel, model, waived(0, 'c0'))
    ).resolves.toBe('unwaived');
    expect(recheck).toHaveBeenCalledWith(['unused-import']);
    expect(told).not.toHaveBeenCalled();
  });

  it('points at a # prod: ignore comment only when the cell has one', async () => {
    const { panel, model, recheck } = open([
      'import os  #prod:ignore[unused-import]',
      'import sys'
    ]);
    await expect(
      unwaiveFinding(trans, panel, model, waived(0, 'c0'))
    ).resolves.toBe('comment');
    expect(told).toHaveBeenCalledTimes(1);
    expect(told.mock.calls[0][0]).toMatch(/# prod: ignore/);
    expect(recheck).not.toHaveBeenCalled();
    await expect(
      unwaiveFinding(trans, panel, model, waived(1, 'c1'))
    ).resolves.toBe('stale');
    expect(told).toHaveBeenCalledTimes(1);
    expect(recheck).toHaveBeenCalledWith(['unused-import']);
  });

  it("writes a finding's waiver in its cell and tells the model where", () => {
    const { panel } = open(['import os']);
    const waiverWritten = jest.fn(() => Promise.resolve(null));
    const finding = waived(0, 'c0');
    waiveFinding(panel, { waiverWritten } as any, finding);
    expect(ignoredChecks(panel.content.model.cells.get(0))).toEqual([
      'unused-import'
    ]);
    expect(waiverWritten).toHaveBeenCalledWith(['unused-import'], finding);
  });

  it("waives every check of the active cell's findings and names that cell to the model", async () => {
    const { panel } = open(['import os', 'x: int = "a"']);
    panel.content.activeCellIndex = 1;
    const report = {
      findings: [
        waived(0, 'c0'),
        { ...waived(1, 'c1'), check: 'type-error' },
        { ...waived(1, 'c1'), check: 'type-error', line: 2 }
      ]
    };
    const waiverWritten = jest.fn(() => Promise.resolve(null));
    await expect(
      ignoreCellFindings(trans, panel, { report, waiverWritten } as any)
    ).resolves.toEqual(['type-error']);
    expect(ignoredChecks(panel.content.model.cells.get(1))).toEqual([
      'type-error'
    ]);
    expect(waiverWritten).toHaveBeenCalledWith(['type-error'], {
      cell: 1,
      cell_id: 'c1'
    });
  });

  it('says when the cell is gone, and checks again', async () => {
    const { panel, model, recheck } = open(['import os']);
    await expect(
      unwaiveFinding(trans, panel, model, waived(null, 'deleted'))
    ).resolves.toBe('gone');
    expect(told.mock.calls[0][0]).toBe(
      'The cell that waived unused-import is gone: the notebook is checked again.'
    );
    expect(recheck).toHaveBeenCalledWith(['unused-import']);
  });
});
