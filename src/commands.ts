/**
 * The palette and context-menu commands: a table of what each command is
 * called, when it applies and which flow it runs (`flows/`). Every server
 * error is shown as a notification with the server's one-line message.
 */
import type { NotebookPanel } from '@jupyterlab/notebook';

import { stripOutputs } from './actions';
import { checkAll, ignoreCellFindings, typeCheck } from './flows/check';
import { showCommit } from './flows/commit';
import type { ICommandContext } from './flows/context';
import { formatCells } from './flows/format';
import { promoteCells } from './flows/promote';
import { cancelRun, runClean } from './flows/run';
import type { ReadinessModel } from './model';
import { CommandIDs } from './tokens';

/** The open notebook a command acts on: the tracker's current one. */
interface ITarget {
  panel: NotebookPanel;
  model: ReadinessModel;
}

/** One command: what the palette and menus call it, when it applies, what it runs. */
interface ICommandSpec {
  id: string;
  /** `menu`: called from a context menu, which shows the short label */
  label(menu: boolean): string;
  caption: string;
  /** the code cell context menu calls it with `isContextMenu` */
  contextMenu?: boolean;
  /** always; with an open notebook (the default); with a code cell active; or a test of the notebook */
  enabled?:
    'always' | 'notebook' | 'code-cell' | ((target: ITarget) => boolean);
  /** runs with the current notebook (null: none is open) */
  execute(target: ITarget | null): unknown;
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

/** `fn` with the current notebook; null when none is open. */
function withTarget<T>(
  fn: (target: ITarget) => T
): (target: ITarget | null) => T | null {
  return target => (target ? fn(target) : null);
}

/** Commands on the notebook itself: panel, checks, black, waivers, outputs. */
function notebookCommands(ctx: ICommandContext): ICommandSpec[] {
  const { manager, trans, showSection } = ctx;
  return [
    {
      id: CommandIDs.openPanel,
      label: () => trans.__('Open Readiness Panel'),
      caption: trans.__(
        'Show the production readiness of the current notebook'
      ),
      enabled: 'always',
      execute: () => showSection('findings')
    },
    {
      id: CommandIDs.check,
      contextMenu: true,
      label: menu =>
        menu
          ? trans.__('Check Readiness')
          : trans.__('Check Notebook Readiness'),
      caption: trans.__('Run every readiness check (type check included)'),
      execute: withTarget(({ model }) => {
        showSection('findings');
        return checkAll(model);
      })
    },
    {
      id: CommandIDs.typecheck,
      label: () => trans.__('Run Type Check'),
      caption: trans.__('Type-check the notebook with mypy'),
      execute: withTarget(({ model }) => typeCheck(trans, model))
    },
    {
      id: CommandIDs.formatNotebook,
      label: () => trans.__('Format Notebook with Black'),
      caption: trans.__('Format every code cell with black'),
      execute: withTarget(({ panel, model }) =>
        formatCells(manager.api, trans, panel, model)
      )
    },
    {
      id: CommandIDs.formatCell,
      label: () => trans.__('Format Cell with Black'),
      caption: trans.__('Format the active code cell with black'),
      enabled: 'code-cell',
      execute: withTarget(({ panel, model }) => {
        const index = panel.content.activeCellIndex;
        return index >= 0
          ? formatCells(manager.api, trans, panel, model, [index])
          : null;
      })
    },
    {
      id: CommandIDs.ignoreCell,
      label: () => trans.__('Ignore Findings in This Cell'),
      caption: trans.__(
        'Waive the checks that report findings in the active cell (cell metadata jupyter_prod.ignore)'
      ),
      enabled: 'code-cell',
      execute: target =>
        target ? ignoreCellFindings(trans, target.panel, target.model) : []
    },
    {
      id: CommandIDs.stripOutputs,
      label: () => trans.__('Strip Outputs'),
      caption: trans.__(
        'Clear the outputs and execution counts of every code cell'
      ),
      execute: target => (target ? stripOutputs(target.panel.content) : 0)
    }
  ];
}

/** Commands that take the notebook to production: promote, commit, clean run. */
function productionCommands(ctx: ICommandContext): ICommandSpec[] {
  const { manager, trans } = ctx;
  const running = (target: ITarget) => !!manager.runFor(target.model)?.running;
  return [
    {
      id: CommandIDs.promote,
      contextMenu: true,
      label: menu =>
        menu
          ? trans.__('Promote to Module…')
          : trans.__('Promote Cells to Module…'),
      caption: trans.__(
        'Move the definitions of the selected cells (and what they need) into a Python module'
      ),
      // with any notebook open: a notebook opens on its first cell, most often a markdown title,
      // and a command enabled only on a code cell was missing from the palette there (Promote
      // then says to select code cells)
      enabled: 'notebook',
      execute: withTarget(({ panel, model }) => promoteCells(ctx, panel, model))
    },
    {
      id: CommandIDs.commit,
      label: () => trans.__('Commit Notebook and Modules…'),
      caption: trans.__(
        'Commit the notebook (without outputs) and the modules promoted from it to git'
      ),
      execute: target => showCommit(ctx, target?.model ?? null)
    },
    {
      id: CommandIDs.runClean,
      label: () => trans.__('Run Notebook in Clean Kernel'),
      caption: trans.__(
        'Run a copy of the notebook top to bottom in a fresh kernel and compare its outputs'
      ),
      enabled: target => !running(target),
      execute: withTarget(({ panel, model }) => runClean(ctx, panel, model))
    },
    {
      id: CommandIDs.cancelRun,
      label: () => trans.__('Cancel Clean Run'),
      caption: trans.__('Stop the clean-kernel run of the current notebook'),
      enabled: running,
      execute: withTarget(({ model }) => cancelRun(ctx, model))
    }
  ];
}

/** Whether a command applies to the current notebook (`current()`). */
function isEnabled(
  enabled: NonNullable<ICommandSpec['enabled']>,
  target: ITarget | null
): boolean {
  if (enabled === 'always') {
    return true;
  }
  if (!target) {
    return false;
  }
  if (enabled === 'notebook') {
    return true;
  }
  if (enabled === 'code-cell') {
    return target.panel.content.activeCell?.model.type === 'code';
  }
  return enabled(target);
}

/** Register every command of the table, and list it in the palette under "Production". */
export function addCommands(ctx: ICommandContext): void {
  const { app, manager, tracker, trans, palette } = ctx;
  const current = (): ITarget | null => {
    const panel = tracker.currentWidget;
    const model = panel ? manager.modelFor(panel) : undefined;
    return panel && model ? { panel, model } : null;
  };
  for (const spec of [...notebookCommands(ctx), ...productionCommands(ctx)]) {
    app.commands.addCommand(spec.id, {
      describedBy: spec.contextMenu ? CONTEXT_MENU_ARGS : NO_ARGS,
      label: args => spec.label(!!args['isContextMenu']),
      caption: spec.caption,
      isEnabled: () => isEnabled(spec.enabled ?? 'notebook', current()),
      execute: () => spec.execute(current())
    });
    palette?.addItem({ command: spec.id, category: trans.__('Production') });
  }
}
