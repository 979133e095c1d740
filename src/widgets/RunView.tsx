/**
 * The "Clean Run" section of the readiness panel: run the notebook in a fresh
 * kernel, follow its progress, cancel it, and see whether it reproduced.
 */
import { PathExt } from '@jupyterlab/coreutils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IRunReport } from '../api';
import type { ReadinessModel } from '../model';
import type { RunModel } from '../run';
import { FindingList, IPanelActions } from './FindingList';
import { Section } from './Section';

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

/** Run, or cancel the run in progress. */
function RunButton(props: IRunViewProps): JSX.Element {
  const { model, run, actions, trans } = props;
  return run.running ? (
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
  );
}

/** Whether the last run reproduced the notebook, how far it got and how long it took. */
function Summary(props: {
  report: IRunReport;
  trans: TranslationBundle;
}): JSX.Element {
  const { run } = props.report;
  const { trans } = props;
  const verdict =
    run.state === 'cancelled'
      ? { mod: 'jp-mod-cancelled', text: trans.__('Cancelled') }
      : run.reproduced
        ? { mod: 'jp-mod-good', text: trans.__('Reproduced') }
        : { mod: 'jp-mod-poor', text: trans.__('Not reproduced') };
  return (
    <div
      className={`jp-ProdRun-summary ${verdict.mod}`}
      data-reproduced={String(run.reproduced)}
      data-state={run.state}
    >
      <div className="jp-ProdRun-verdict">{verdict.text}</div>
      <div className="jp-ProdRun-details">
        {trans.__(
          '%1 of %2 code cells run in %3 s',
          run.cells_run,
          run.total,
          run.seconds.toFixed(1)
        )}
        {run.changed.length > 0
          ? ' · ' +
            trans._n(
              '%1 output changed',
              '%1 outputs changed',
              run.changed.length
            )
          : ''}
      </div>
    </div>
  );
}

function RunBody(props: IRunViewProps): JSX.Element {
  const { model, run, actions, trans } = props;
  const report = run.report;
  if (run.running) {
    return <Progress run={run} trans={trans} />;
  }
  return (
    <>
      {run.error && (
        <div className="jp-ProdPanel-error" role="alert">
          {run.error.message}
        </div>
      )}
      {report && <Summary report={report} trans={trans} />}
      {report && report.findings.length > 0 && (
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
  );
}

export function RunView(props: IRunViewProps): JSX.Element {
  const { trans } = props;
  return (
    <Section
      className="jp-ProdRun"
      changed={props.run.changed}
      status={() =>
        // named: with notebooks side by side, the one that runs is the current one, which the section says
        trans.__(
          'Run a copy of %1, top to bottom, in a fresh kernel and compare its outputs with the saved ones.',
          PathExt.basename(props.run.path)
        )
      }
      statusClassName="jp-ProdRun-intro"
      actions={() => <RunButton {...props} />}
    >
      {() => <RunBody {...props} />}
    </Section>
  );
}
