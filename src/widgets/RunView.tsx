/**
 * The "Clean Run" section of the readiness panel: run the notebook in a fresh
 * kernel, follow its progress, cancel it, and see whether it reproduced.
 */
import { UseSignal } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { ReadinessModel } from '../model';
import type { RunModel } from '../run';
import { FindingList, IPanelActions } from './FindingList';

interface IRunViewProps {
  model: ReadinessModel;
  run: RunModel;
  actions: IPanelActions;
  trans: TranslationBundle;
}

function Progress(props: { run: RunModel; trans: TranslationBundle }) {
  const { run, trans } = props;
  const progress = run.progress;
  if (!progress || progress.state === 'idle') {
    return (
      <div className="jp-ProdRun-progress" data-state="starting">
        {trans.__('Starting a fresh kernel…')}
      </div>
    );
  }
  if (progress.state === 'queued') {
    return (
      <div className="jp-ProdRun-progress" data-state="queued">
        {trans.__('Waiting for another run to finish…')}
      </div>
    );
  }
  const total = progress.total ?? 0;
  const done = progress.cells_run ?? 0;
  const current = Math.min(done + 1, Math.max(total, 1));
  return (
    <div
      className="jp-ProdRun-progress"
      data-state={progress.state}
      data-cells-run={done}
      data-total={total}
    >
      <progress max={Math.max(total, 1)} value={done} />
      <span className="jp-ProdRun-progressText">
        {progress.state === 'running'
          ? progress.cell !== null
            ? trans.__(
                'Running code cell %1 of %2 (cell %3)',
                current,
                total,
                progress.cell + 1
              )
            : trans.__('Running code cell %1 of %2', current, total)
          : trans.__('%1 of %2 code cells run', done, total)}
      </span>
    </div>
  );
}

function RunBody(props: IRunViewProps): JSX.Element {
  const { model, run, actions, trans } = props;
  const report = run.report;
  return (
    <div className="jp-ProdRun">
      <p className="jp-ProdRun-intro">
        {trans.__(
          'Run a copy of the notebook, top to bottom, in a fresh kernel and compare its outputs with the saved ones.'
        )}
      </p>
      <div className="jp-ProdRun-actions">
        {run.running ? (
          <button
            className="jp-ProdPanel-button jp-mod-warn jp-ProdRun-cancel"
            disabled={run.cancelling}
            onClick={() => actions.cancelRun(model)}
          >
            {run.cancelling ? trans.__('Cancelling…') : trans.__('Cancel')}
          </button>
        ) : (
          <button
            className="jp-ProdPanel-button jp-mod-accept jp-ProdRun-start"
            onClick={() => actions.runClean(model)}
          >
            {trans.__('Run in Clean Kernel')}
          </button>
        )}
      </div>
      {run.running && <Progress run={run} trans={trans} />}
      {!run.running && run.error && (
        <div className="jp-ProdPanel-error" role="alert">
          {run.error.message}
        </div>
      )}
      {!run.running && report && (
        <>
          <div
            className={`jp-ProdRun-summary ${
              report.run.state === 'cancelled'
                ? 'jp-mod-cancelled'
                : report.run.reproduced
                  ? 'jp-mod-good'
                  : 'jp-mod-poor'
            }`}
            data-reproduced={String(report.run.reproduced)}
            data-state={report.run.state}
          >
            <div className="jp-ProdRun-verdict">
              {report.run.state === 'cancelled'
                ? trans.__('Cancelled')
                : report.run.reproduced
                  ? trans.__('Reproduced')
                  : trans.__('Not reproduced')}
            </div>
            <div className="jp-ProdRun-details">
              {trans.__(
                '%1 of %2 code cells run in %3 s',
                report.run.cells_run,
                report.run.total,
                report.run.seconds.toFixed(1)
              )}
              {report.run.changed.length > 0
                ? ' · ' +
                  trans._n(
                    '%1 output changed',
                    '%1 outputs changed',
                    report.run.changed.length
                  )
                : ''}
            </div>
          </div>
          {report.findings.length > 0 && (
            <FindingList
              model={model}
              findings={report.findings}
              actions={actions}
              trans={trans}
              editable={false}
              className="jp-ProdRun-findings"
            />
          )}
        </>
      )}
    </div>
  );
}

export function RunView(props: IRunViewProps): JSX.Element {
  return (
    <UseSignal signal={props.run.changed}>
      {() => <RunBody {...props} />}
    </UseSignal>
  );
}
