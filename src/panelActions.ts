/**
 * The readiness panel's callbacks (navigation, fixes, waivers, commit, clean
 * run): each finds the model's notebook, then runs the flow a command runs.
 */
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';

import { revealFinding } from './actions';
import type { IFinding } from './api';
import {
  applyFix,
  checkAll,
  unwaiveFinding,
  waiveFinding
} from './flows/check';
import { commitNotebook } from './flows/commit';
import { activate, ICommandContext } from './flows/context';
import { cancelRun, runClean } from './flows/run';
import type { ReadinessModel } from './model';
import { CommandIDs } from './tokens';
import type { IPanelActions } from './widgets/FindingList';

export function createPanelActions(ctx: ICommandContext): IPanelActions {
  const { app, manager, trans } = ctx;
  const withPanel = <T>(
    model: ReadinessModel,
    fn: (panel: NotebookPanel) => T
  ): T | undefined => {
    const panel = manager.panelFor(model);
    if (!panel) {
      Notification.warning(trans.__('This notebook is closed.'), {
        autoClose: 5000
      });
      return undefined;
    }
    return fn(panel);
  };
  return {
    reveal(model: ReadinessModel, finding: IFinding) {
      withPanel(model, panel => {
        activate(app, panel);
        void revealFinding(panel, finding);
      });
    },
    fix(model: ReadinessModel, finding: IFinding) {
      if (finding.fix) {
        void withPanel(model, async panel => {
          const index = await applyFix(trans, panel, model, finding);
          if (index < 0) {
            return;
          }
          // the changed cell may be off screen: show it, as clicking the finding does
          const line = index === finding.cell ? finding.line : 1;
          activate(app, panel);
          const cellId = panel.content.model?.cells.get(index)?.id ?? null;
          await revealFinding(panel, { cell: index, cell_id: cellId, line });
        });
      }
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
      withPanel(model, panel => waiveFinding(panel, model, finding));
    },
    unwaive(model: ReadinessModel, finding: IFinding) {
      return withPanel(model, async panel => {
        if (
          (await unwaiveFinding(trans, panel, model, finding)) === 'comment'
        ) {
          activate(app, panel);
          void revealFinding(panel, finding);
        }
      });
    },
    check(model: ReadinessModel) {
      void checkAll(model);
    },
    commit(model: ReadinessModel, options = {}) {
      withPanel(
        model,
        panel => void commitNotebook(ctx, panel, model, options)
      );
    },
    runClean(model: ReadinessModel) {
      withPanel(model, panel => void runClean(ctx, panel, model));
    },
    cancelRun(model: ReadinessModel) {
      void cancelRun(ctx, model);
    }
  };
}
