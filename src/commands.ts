/**
 * Palette and context-menu commands, and the actions of the readiness panel.
 * Every server error is shown as a notification with the server's one-line
 * message.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  InputDialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import type {
  Notebook,
  NotebookPanel,
  INotebookTracker
} from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';

import {
  applyCellSources,
  applyFormatResult,
  applyNotebookEdits,
  resolveCellIndex,
  revealFinding,
  stripOutputs,
  waiveChecks
} from './actions';
import { ApiError, IFinding, IPromoteRequest, IPromoteResult } from './api';
import type { ReadinessManager } from './manager';
import { notebookContent, ReadinessModel } from './model';
import { CommandIDs, PanelSection } from './tokens';
import {
  APPLY_CLASS,
  IPromoteChoices,
  PromotePreview,
  previewWithSuggestions,
  UnmovedChoices
} from './widgets/PromotePreview';
import type { IPanelActions } from './widgets/ReadinessPanel';

/**
 * Default target of a promotion: `<defaultModuleFolder>/<notebook stem>.py`;
 * without a folder, next to the notebook when its folder is an importable
 * package path, else at the project root. Module names are identifiers.
 */
export function defaultModulePath(
  notebookPath: string,
  folder: string
): string {
  const stem =
    PathExt.basename(notebookPath, PathExt.extname(notebookPath))
      .replace(/[^A-Za-z0-9_]+/g, '_')
      .replace(/^(\d)/, '_$1')
      .toLowerCase() || 'module';
  const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
  let dir = folder.trim().replace(/\/+$/, '');
  if (!dir) {
    const parent = PathExt.dirname(notebookPath);
    dir = parent.split('/').every(part => identifier.test(part)) ? parent : '';
  }
  return dir ? `${dir}/${stem}.py` : `${stem}.py`;
}

/** Show an error of a request (or anything thrown) as a notification. */
export function notifyError(error: unknown): void {
  Notification.error(ApiError.from(error).message, { autoClose: 10000 });
}

export interface ICommandContext {
  app: JupyterFrontEnd;
  manager: ReadinessManager;
  tracker: INotebookTracker;
  trans: TranslationBundle;
  palette: ICommandPalette | null;
  /** Show the readiness panel on one of its sections. */
  showSection(section: PanelSection): void;
}

/** First line of a commit message (what `git log --oneline` shows). */
export function subjectOf(message: string): string {
  return (
    message
      .split('\n')
      .map(line => line.trim())
      .find(line => line.length > 0) ?? ''
  );
}

/** Activate a notebook's tab (from the panel, the notebook is not focused). */
function activate(app: JupyterFrontEnd, panel: NotebookPanel): void {
  app.shell.activateById(panel.id);
}

/** The panel's callbacks: navigation, fixes and waivers. */
/**
 * The module the selected cells were promoted into before (the notebook's promotion ledger), so that
 * promoting them again goes to the same place by default.
 */
function promotedModule(notebook: Notebook, cells: number[]): string | null {
  const ledger = notebook.model?.getMetadata('jupyter_prod') as
    { promoted?: { cell_id?: string | null; module?: string }[] } | undefined;
  const ids = new Set(
    cells.map(index => notebook.model?.cells.get(index)?.id).filter(Boolean)
  );
  for (const record of ledger?.promoted ?? []) {
    if (record.cell_id && ids.has(record.cell_id) && record.module) {
      return record.module;
    }
  }
  return null;
}

export function createPanelActions(ctx: ICommandContext): IPanelActions {
  const { app, manager, trans } = ctx;
  const withPanel = (
    model: ReadinessModel,
    fn: (panel: NotebookPanel) => void
  ) => {
    const panel = manager.panelFor(model);
    if (!panel) {
      Notification.warning(trans.__('This notebook is closed.'), {
        autoClose: 5000
      });
      return;
    }
    fn(panel);
  };
  return {
    reveal(model: ReadinessModel, finding: IFinding) {
      withPanel(model, panel => {
        activate(app, panel);
        void revealFinding(panel, finding);
      });
    },
    fix(model: ReadinessModel, finding: IFinding) {
      if (!finding.fix) {
        return;
      }
      withPanel(model, panel => {
        void applyFix(ctx, panel, model, finding);
      });
    },
    promoteAgain(model: ReadinessModel, finding: IFinding) {
      withPanel(model, panel => {
        activate(app, panel);
        void revealFinding(panel, finding).then(index => {
          if (index >= 0) {
            void app.commands.execute(CommandIDs.promote);
          }
        });
      });
    },
    waive(model: ReadinessModel, finding: IFinding) {
      withPanel(model, panel => {
        const index = resolveCellIndex(
          panel.content,
          finding.cell,
          finding.cell_id
        );
        if (index < 0) {
          model.schedule(0);
          return;
        }
        waiveChecks(panel.content, index, [finding.check]);
        model.check('fast').catch(notifyError);
      });
    },
    check(model: ReadinessModel) {
      model.check('all').catch(notifyError);
    },
    commit(model: ReadinessModel, options = {}) {
      withPanel(model, panel => {
        void commitNotebook(ctx, panel, model, options);
      });
    },
    runClean(model: ReadinessModel) {
      withPanel(model, panel => {
        void runClean(ctx, panel, model);
      });
    },
    cancelRun(model: ReadinessModel) {
      manager.runFor(model)?.cancel().catch(notifyError);
    }
  };
}

/** Same finding (check and cell) in a newer report. */
function sameFinding(a: IFinding, b: IFinding): boolean {
  return (
    a.check === b.check &&
    (a.cell_id && b.cell_id ? a.cell_id === b.cell_id : a.cell === b.cell) &&
    a.line === b.line
  );
}

/**
 * Apply a finding's fix to the editor's current content.
 *
 * A fix replaces whole cells, so it must come from the content as it is now:
 * the finding's check runs again first (a slow check's finding can be older
 * than the last fast answer, and the notebook can change under a rendered
 * button, e.g. when the kernel fills in `language_info`). Nothing is applied
 * when the notebook changes during that check.
 */
export async function applyFix(
  ctx: Pick<ICommandContext, 'trans'>,
  panel: NotebookPanel,
  model: ReadinessModel,
  finding: IFinding
): Promise<number> {
  const { trans } = ctx;
  try {
    if (!model.upToDate) {
      await model.check('fast');
    }
    await model.check([finding.check]);
  } catch (error) {
    notifyError(error);
    return 0;
  }
  const current = model.report?.findings.find(
    f => f.fix && sameFinding(f, finding)
  );
  if (!model.upToDate) {
    Notification.warning(
      trans.__(
        'The notebook changed while checking; try the fix again once it is re-checked.'
      ),
      { autoClose: 5000 }
    );
    return 0;
  }
  if (!current || !current.fix) {
    // already fixed, or no longer a finding: the panel shows the new state
    return 0;
  }
  return applyCellSources(panel.content, current.fix.cells);
}

/**
 * Save the notebook (the server commits the file on disk), then commit it
 * through the model; the panel shows a refusal or a git problem, a success
 * is also a notification with the short sha and the subject.
 */
export async function commitNotebook(
  ctx: Pick<ICommandContext, 'manager' | 'trans'>,
  panel: NotebookPanel,
  model: ReadinessModel,
  options: { allowFindings?: boolean; init?: boolean } = {}
): Promise<string | null> {
  const { manager, trans } = ctx;
  const commit = manager.commitFor(model);
  if (!commit || commit.committing) {
    return null;
  }
  if (!commit.message.trim()) {
    Notification.warning(trans.__('Write a commit message first.'), {
      autoClose: 4000
    });
    return null;
  }
  try {
    await panel.context.save();
  } catch (error) {
    notifyError(error);
    return null;
  }
  const subject = subjectOf(commit.message);
  const result = await commit.commit(options);
  if (result) {
    Notification.success(trans.__('Committed %1: %2', result.short, subject), {
      autoClose: 6000
    });
    return result.commit;
  }
  return null;
}

/**
 * Run the editor's current content in a fresh kernel; the panel shows the
 * progress and the findings. A run already in progress is a notification.
 */
export async function runClean(
  ctx: Pick<ICommandContext, 'manager' | 'trans' | 'showSection'>,
  panel: NotebookPanel,
  model: ReadinessModel
): Promise<boolean | null> {
  const { manager, trans } = ctx;
  const run = manager.runFor(model);
  if (!run) {
    return null;
  }
  ctx.showSection('run');
  if (run.running) {
    Notification.warning(
      trans.__('A clean run of this notebook is already in progress.'),
      { autoClose: 5000 }
    );
    return null;
  }
  try {
    const report = await run.start(notebookContent(panel));
    if (report.run.state === 'cancelled') {
      Notification.info(trans.__('The clean run was cancelled.'), {
        autoClose: 4000
      });
    } else if (report.run.reproduced) {
      Notification.success(
        trans.__(
          'The notebook reproduced in a clean kernel (%1 s).',
          report.run.seconds.toFixed(1)
        ),
        { autoClose: 5000 }
      );
    } else {
      Notification.warning(
        trans._n(
          'The clean run did not reproduce the notebook: %1 finding.',
          'The clean run did not reproduce the notebook: %1 findings.',
          report.findings.length
        ),
        { autoClose: 8000 }
      );
    }
    return report.run.reproduced;
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'conflict') {
      Notification.warning(error.message, { autoClose: 8000 });
    } else {
      notifyError(error);
    }
    return null;
  }
}

/** `describedBy` of a command that takes no arguments. */
const NO_ARGS = { args: { type: 'object', properties: {} } };

/** `describedBy` of a command that menus call with `isContextMenu`. */
const CONTEXT_MENU_ARGS = {
  args: {
    type: 'object',
    properties: {
      isContextMenu: {
        type: 'boolean',
        description: 'Called from a context menu: use the short label'
      }
    }
  }
};

export function addCommands(ctx: ICommandContext): void {
  const { app, manager, tracker, trans, palette, showSection } = ctx;
  const { commands } = app;

  const current = (): {
    panel: NotebookPanel;
    model: ReadinessModel;
  } | null => {
    const panel = tracker.currentWidget;
    const model = panel ? manager.modelFor(panel) : undefined;
    return panel && model ? { panel, model } : null;
  };
  const hasNotebook = () => current() !== null;
  const hasCodeCell = () =>
    tracker.currentWidget?.content.activeCell?.model.type === 'code';

  commands.addCommand(CommandIDs.openPanel, {
    describedBy: NO_ARGS,
    label: trans.__('Open Readiness Panel'),
    caption: trans.__('Show the production readiness of the current notebook'),
    execute: () => {
      showSection('findings');
    }
  });

  commands.addCommand(CommandIDs.check, {
    describedBy: CONTEXT_MENU_ARGS,
    label: args =>
      args['isContextMenu']
        ? trans.__('Check Readiness')
        : trans.__('Check Notebook Readiness'),
    caption: trans.__('Run every readiness check (type check included)'),
    isEnabled: hasNotebook,
    execute: async () => {
      const target = current();
      if (!target) {
        return null;
      }
      showSection('findings');
      try {
        return await target.model.check('all');
      } catch (error) {
        notifyError(error);
        return null;
      }
    }
  });

  commands.addCommand(CommandIDs.typecheck, {
    describedBy: NO_ARGS,
    label: trans.__('Run Type Check'),
    caption: trans.__('Type-check the notebook with mypy'),
    isEnabled: hasNotebook,
    execute: async () => {
      const target = current();
      if (!target) {
        return null;
      }
      try {
        const report = await target.model.check(['type-error']);
        if (report) {
          const errors = report.findings.filter(
            f => f.check === 'type-error'
          ).length;
          Notification.info(
            errors
              ? trans._n('%1 type error', '%1 type errors', errors)
              : trans.__('No type errors.'),
            { autoClose: 4000 }
          );
        }
        return report;
      } catch (error) {
        notifyError(error);
        return null;
      }
    }
  });

  const format = async (cells?: number[]) => {
    const target = current();
    if (!target) {
      return null;
    }
    const { panel } = target;
    const notebook = notebookContent(panel) ?? undefined;
    try {
      const result = await manager.api.format({
        path: panel.context.localPath,
        notebook,
        ...(cells ? { cells } : {})
      });
      const changed = applyFormatResult(panel.content, result);
      for (const error of result.errors) {
        Notification.warning(
          trans.__(
            'Cell %1 was not formatted: %2',
            error.cell + 1,
            error.message
          ),
          { autoClose: 8000 }
        );
      }
      if (changed === 0 && result.errors.length === 0) {
        Notification.info(trans.__('Already formatted.'), { autoClose: 3000 });
      }
      return result;
    } catch (error) {
      notifyError(error);
      return null;
    }
  };

  commands.addCommand(CommandIDs.formatNotebook, {
    describedBy: NO_ARGS,
    label: trans.__('Format Notebook with Black'),
    caption: trans.__('Format every code cell with black'),
    isEnabled: hasNotebook,
    execute: () => format()
  });

  commands.addCommand(CommandIDs.formatCell, {
    describedBy: NO_ARGS,
    label: trans.__('Format Cell with Black'),
    caption: trans.__('Format the active code cell with black'),
    isEnabled: () => hasNotebook() && hasCodeCell(),
    execute: () => {
      const index = tracker.currentWidget?.content.activeCellIndex ?? -1;
      return index >= 0 ? format([index]) : null;
    }
  });

  commands.addCommand(CommandIDs.ignoreCell, {
    describedBy: NO_ARGS,
    label: trans.__('Ignore Findings in This Cell'),
    caption: trans.__(
      'Waive the checks that report findings in the active cell (cell metadata jupyter_prod.ignore)'
    ),
    isEnabled: () => hasNotebook() && hasCodeCell(),
    execute: async () => {
      const target = current();
      if (!target) {
        return [];
      }
      const { panel, model } = target;
      const index = panel.content.activeCellIndex;
      const ids = Array.from(
        new Set(
          (model.report?.findings ?? [])
            .filter(f => f.cell === index)
            .map(f => f.check)
        )
      );
      if (ids.length === 0) {
        Notification.info(trans.__('This cell has no findings to ignore.'), {
          autoClose: 3000
        });
        return [];
      }
      const ignored = waiveChecks(panel.content, index, ids);
      try {
        await model.check('fast');
      } catch (error) {
        notifyError(error);
      }
      return ignored;
    }
  });

  commands.addCommand(CommandIDs.stripOutputs, {
    describedBy: NO_ARGS,
    label: trans.__('Strip Outputs'),
    caption: trans.__(
      'Clear the outputs and execution counts of every code cell'
    ),
    isEnabled: hasNotebook,
    execute: () => {
      const panel = tracker.currentWidget;
      if (!panel) {
        return 0;
      }
      return stripOutputs(panel.content);
    }
  });

  commands.addCommand(CommandIDs.promote, {
    describedBy: CONTEXT_MENU_ARGS,
    label: args =>
      args['isContextMenu']
        ? trans.__('Promote to Module…')
        : trans.__('Promote Cells to Module…'),
    caption: trans.__(
      'Move the definitions of the selected cells (and what they need) into a Python module'
    ),
    isEnabled: () => hasNotebook() && hasCodeCell(),
    execute: async () => {
      const target = current();
      if (!target) {
        return null;
      }
      const { panel, model } = target;
      const notebook = panel.content;
      const cells = notebook.widgets
        .map((cell, index) => ({ cell, index }))
        .filter(
          ({ cell }) =>
            cell.model.type === 'code' && notebook.isSelectedOrActive(cell)
        )
        .map(({ index }) => index);
      if (cells.length === 0) {
        return null;
      }
      const path = panel.context.localPath;
      const asked = await InputDialog.getText({
        title: trans.__('Promote to Module'),
        label: trans.__('Module path (relative to the project root)'),
        text:
          promotedModule(notebook, cells) ??
          defaultModulePath(path, manager.settings.defaultModuleFolder),
        okLabel: trans.__('Preview')
      });
      const to = asked.value?.trim();
      if (!asked.button.accept || !to) {
        return null;
      }
      const request: IPromoteRequest = { path, cells, to };
      // the dry run with the user's choices: the dialog re-runs it when a choice changes
      const dryRun = (choices: IPromoteChoices): Promise<IPromoteResult> =>
        manager.api.promote({
          ...request,
          notebook: notebookContent(panel) ?? undefined,
          unmoved: choices.unmoved,
          as_function: choices.asFunction ?? undefined,
          dry_run: true
        });
      let choices: UnmovedChoices = {};
      let body: PromotePreview;
      let answer: Dialog.IResult<UnmovedChoices>;
      // one preview, or two when the user forces over a hand-edited module
      for (;;) {
        let preview: IPromoteResult;
        try {
          const first = await previewWithSuggestions(dryRun, {
            unmoved: choices,
            asFunction: null
          });
          preview = first.result;
          choices = first.unmoved;
        } catch (error) {
          notifyError(error);
          return null;
        }
        const canPromote = preview.ok && preview.problems.length === 0;
        const canForce =
          !canPromote &&
          !request.force &&
          preview.drift.some(d => d.state === 'module-edited');
        const buttons = canForce
          ? [
              Dialog.cancelButton(),
              Dialog.warnButton({
                label: trans.__('Force'),
                caption: trans.__(
                  'Overwrite the hand edits in the module with the cells'
                )
              })
            ]
          : canPromote || preview.unmoved.length > 0 || preview.function_offer
            ? [
                Dialog.cancelButton(),
                Dialog.okButton({
                  label: trans.__('Promote'),
                  className: APPLY_CLASS,
                  caption: trans.__('Apply exactly what the preview shows')
                })
              ]
            : [Dialog.cancelButton({ label: trans.__('Close') })];
        body = new PromotePreview(preview, trans, { ...choices }, dryRun);
        answer = await showDialog<UnmovedChoices>({
          title: trans.__('Promote to %1', preview.module_path || to),
          body,
          buttons
        });
        if (canForce && answer.button.accept) {
          request.force = true;
          continue;
        }
        break;
      }
      const shown = body.result;
      const approved = body.getValue();
      const asFunction = body.asFunction;
      const ready = answer.button.accept && body.canPromote;
      body.dispose();
      if (!ready) {
        return null;
      }
      try {
        // exactly what the preview showed: refused if the notebook or module changed since
        const result = await manager.api.promote({
          ...request,
          notebook: notebookContent(panel) ?? undefined,
          unmoved: approved,
          as_function: asFunction ?? undefined,
          expect: shown.preview_sha256,
          dry_run: false
        });
        if (!result.ok) {
          Notification.error(
            result.problems[0] ?? trans.__('The promotion was refused.'),
            { autoClose: 10000 }
          );
          return result;
        }
        if (notebook.model) {
          applyNotebookEdits(notebook.model, result.notebook_edits);
        }
        Notification.success(
          trans.__(
            'Promoted %1 to %2.',
            result.slice.map(s => s.name).join(', '),
            result.module_path
          ),
          { autoClose: 5000 }
        );
        model.schedule(0);
        return result;
      } catch (error) {
        notifyError(error);
        return null;
      }
    }
  });

  commands.addCommand(CommandIDs.commit, {
    describedBy: NO_ARGS,
    label: trans.__('Commit Notebook and Modules…'),
    caption: trans.__(
      'Commit the notebook (without outputs) and the modules promoted from it to git'
    ),
    isEnabled: hasNotebook,
    execute: () => {
      const target = current();
      showSection('commit');
      if (target) {
        void manager.commitFor(target.model)?.refresh();
      }
    }
  });

  commands.addCommand(CommandIDs.runClean, {
    describedBy: NO_ARGS,
    label: trans.__('Run Notebook in Clean Kernel'),
    caption: trans.__(
      'Run a copy of the notebook top to bottom in a fresh kernel and compare its outputs'
    ),
    isEnabled: () => {
      const target = current();
      return !!target && !manager.runFor(target.model)?.running;
    },
    execute: () => {
      const target = current();
      if (!target) {
        return null;
      }
      return runClean(ctx, target.panel, target.model);
    }
  });

  commands.addCommand(CommandIDs.cancelRun, {
    describedBy: NO_ARGS,
    label: trans.__('Cancel Clean Run'),
    caption: trans.__('Stop the clean-kernel run of the current notebook'),
    isEnabled: () => {
      const target = current();
      return !!target && !!manager.runFor(target.model)?.running;
    },
    execute: async () => {
      const target = current();
      const run = target ? manager.runFor(target.model) : undefined;
      if (!run) {
        return null;
      }
      try {
        return await run.cancel();
      } catch (error) {
        notifyError(error);
        return null;
      }
    }
  });

  if (palette) {
    for (const command of [
      CommandIDs.openPanel,
      CommandIDs.check,
      CommandIDs.typecheck,
      CommandIDs.formatNotebook,
      CommandIDs.formatCell,
      CommandIDs.ignoreCell,
      CommandIDs.stripOutputs,
      CommandIDs.promote,
      CommandIDs.commit,
      CommandIDs.runClean,
      CommandIDs.cancelRun
    ]) {
      palette.addItem({ command, category: trans.__('Production') });
    }
  }
}
