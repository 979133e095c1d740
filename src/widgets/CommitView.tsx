/**
 * The "Commit" section of the readiness panel: the notebook and its promoted
 * modules with their git state, a message, the code-only toggle, the gate's
 * verdict, the outcome of the last attempt and the notebook's recent commits.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import type { FileState, ICommitRefusal } from '../api';
import { CommitFailure, CommitModel, gateVerdict } from '../commit';
import type { ReadinessModel } from '../model';
import { FindingList, IPanelActions } from './FindingList';
import { commitTime, useCommitTimes } from './commitTime';
import { Section } from './Section';

interface ICommitViewProps {
  model: ReadinessModel;
  commit: CommitModel;
  actions: IPanelActions;
  trans: TranslationBundle;
}

function Failure(props: ICommitViewProps & { failure: CommitFailure }) {
  const { model, commit, actions, trans, failure } = props;
  const reasonLabels: Record<ICommitRefusal['reason'], string> = {
    secrets: trans.__('Possible secrets'),
    findings: trans.__('Error findings'),
    hook: trans.__('A git hook failed'),
    'hook-modified': trans.__('A git hook changed files')
  };
  return (
    <div
      className={`jp-ProdCommit-failure jp-mod-${failure.kind}`}
      role="alert"
      data-kind={failure.kind}
      data-reason={failure.kind === 'refused' ? failure.reason : ''}
    >
      {failure.kind === 'refused' && (
        <div className="jp-ProdCommit-reason">
          {reasonLabels[failure.reason] ?? failure.reason}
        </div>
      )}
      <div className="jp-ProdCommit-failureMessage">{failure.message}</div>
      {failure.kind === 'refused' && failure.findings.length > 0 && (
        <FindingList
          model={model}
          findings={failure.findings}
          actions={actions}
          trans={trans}
          editable={false}
          className="jp-ProdCommit-findings"
        />
      )}
      {failure.kind === 'refused' && failure.modified.length > 0 && (
        <div className="jp-ProdCommit-modified">
          {trans.__('Changed by the hook: %1', failure.modified.join(', '))}
        </div>
      )}
      {failure.kind === 'refused' && failure.output && (
        <pre className="jp-ProdCommit-output">{failure.output}</pre>
      )}
      {failure.kind === 'refused' && failure.reason === 'findings' && (
        <button
          className="jp-ProdPanel-button jp-mod-warn jp-ProdCommit-anyway"
          disabled={commit.committing}
          onClick={() => actions.commit(model, { allowFindings: true })}
        >
          {trans.__('Commit anyway')}
        </button>
      )}
      {failure.kind === 'no-repo' && (
        <button
          className="jp-ProdPanel-button jp-ProdCommit-init"
          disabled={commit.committing}
          onClick={() => actions.commit(model, { init: true })}
        >
          {trans.__('Initialise a repository here')}
        </button>
      )}
    </div>
  );
}

/** Why Commit is disabled when no file changed: the gate's line and the button's title. */
function nothingToCommit(trans: TranslationBundle): string {
  return trans.__(
    'Nothing to commit: no file changed since the last commit. Edit the notebook or its modules.'
  );
}

function Gate(props: {
  model: ReadinessModel;
  commit: CommitModel;
  trans: TranslationBundle;
}) {
  const { model, commit, trans } = props;
  if (commit.nothingToCommit) {
    return (
      <div className="jp-ProdCommit-gate jp-mod-nothing" data-verdict="nothing">
        {nothingToCommit(trans)}
      </div>
    );
  }
  const verdict = gateVerdict(model.report ? model.report.findings : null);
  let text: string;
  switch (verdict.state) {
    case 'secrets':
      text = trans._n(
        'Blocked: %1 possible secret; remove it (or waive a false positive in its cell).',
        'Blocked: %1 possible secrets; remove them (or waive false positives in their cells).',
        verdict.findings.length
      );
      break;
    case 'findings':
      text = trans._n(
        'Blocked by %1 error finding; fix it or commit anyway.',
        'Blocked by %1 error findings; fix them or commit anyway.',
        verdict.findings.length
      );
      break;
    case 'ok':
      text = trans.__('Ready to commit: no error findings.');
      break;
    default:
      text = trans.__('Not checked yet.');
  }
  return (
    <div
      className={`jp-ProdCommit-gate jp-mod-${verdict.state}`}
      data-verdict={verdict.state}
      title={trans.__(
        'The gate checks the saved notebook again when you commit.'
      )}
    >
      {text}
    </div>
  );
}

/** Where the notebook's repository stands: branch (or no repository), operation in progress. */
function repoStatus(commit: CommitModel, trans: TranslationBundle): string {
  const status = commit.status;
  const where =
    status === null
      ? commit.refreshing
        ? trans.__('Reading git status…')
        : ''
      : status.repo === null
        ? trans.__('Not in a git repository.')
        : status.detached
          ? trans.__('Detached HEAD')
          : trans.__('On branch %1', status.branch ?? '?');
  return status?.operation
    ? where + ' · ' + trans.__('%1 in progress', status.operation)
    : where;
}

/** The old names of a renamed file, comma-separated ('' when it was not renamed). */
function renamedFrom(file: { renamed_from?: string[] | null }): string {
  return (file.renamed_from ?? []).join(', ');
}

/** The notebook and its modules with their git state, each with a box to tick. */
function FileList(props: {
  commit: CommitModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { commit, trans } = props;
  // ties each rename line to its file's box (hooks before the early return)
  const ids = React.useId();
  const files = commit.status?.files ?? [];
  if (files.length === 0) {
    return null;
  }
  const stateLabels: Record<FileState, string> = {
    untracked: trans.__('new'),
    modified: trans.__('modified'),
    staged: trans.__('staged'),
    clean: trans.__('unchanged'),
    ignored: trans.__('ignored')
  };
  return (
    <ul className="jp-ProdCommit-files" aria-label={trans.__('Files')}>
      {files.map((file, index) => (
        <li
          key={file.path}
          className={`jp-ProdCommit-file jp-mod-${file.state}`}
          data-path={file.path}
          data-state={file.state}
        >
          <label title={file.path}>
            <input
              type="checkbox"
              aria-describedby={
                renamedFrom(file) ? `${ids}-renamed-${index}` : undefined
              }
              checked={commit.isSelected(file.path)}
              disabled={file.state === 'ignored'}
              onChange={event =>
                commit.setSelected(file.path, event.target.checked)
              }
            />
            <span className="jp-ProdCommit-path">{file.path}</span>
            <span className="jp-ProdCommit-state">
              {stateLabels[file.state] ?? file.state}
            </span>
          </label>
          {renamedFrom(file) ? (
            <div
              className="jp-ProdCommit-renamed"
              id={`${ids}-renamed-${index}`}
            >
              {commit.isSelected(file.path)
                ? trans.__(
                    'Renamed from %1 (its removal is committed too)',
                    renamedFrom(file)
                  )
                : trans.__(
                    'Renamed from %1 (tick the file to commit the rename; neither name is committed now)',
                    renamedFrom(file)
                  )}
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** The commit message and the code-only toggle. */
function MessageBox(props: {
  commit: CommitModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { commit, trans } = props;
  return (
    <>
      <textarea
        className="jp-ProdCommit-message"
        placeholder={trans.__('Commit message')}
        aria-label={trans.__('Commit message')}
        rows={3}
        value={commit.message}
        onChange={event => {
          commit.message = event.target.value;
        }}
        onKeyDown={event => {
          // keep JupyterLab's shortcuts out of the text box
          event.stopPropagation();
        }}
      />
      <label
        className="jp-ProdCommit-codeOnlyLabel"
        title={trans.__(
          'Commit the notebook without outputs and execution counts; the file on disk keeps them.'
        )}
      >
        <input
          type="checkbox"
          className="jp-ProdCommit-codeOnly"
          checked={commit.codeOnly}
          onChange={event => {
            commit.codeOnly = event.target.checked;
          }}
        />
        {trans.__('Code only (strip outputs)')}
      </label>
    </>
  );
}

/** Commit, and (outside a repository, before any failure) initialise one. */
function CommitButtons(props: ICommitViewProps): JSX.Element {
  const { model, commit, actions, trans } = props;
  const noRepo = commit.status !== null && commit.status.repo === null;
  const hasMessage = !!commit.message.trim();
  const idle = !commit.committing && hasMessage;
  const nothing = commit.nothingToCommit;
  return (
    <div className="jp-ProdCommit-actions">
      <button
        className="jp-ProdPanel-button jp-mod-accept jp-ProdCommit-commit"
        disabled={!idle || nothing}
        // a disabled button says why
        title={
          nothing
            ? nothingToCommit(trans)
            : hasMessage
              ? undefined
              : trans.__('Write a commit message first')
        }
        onClick={() => actions.commit(model)}
      >
        {commit.committing ? trans.__('Committing…') : trans.__('Commit')}
      </button>
      {noRepo && !commit.failure && (
        <button
          className="jp-ProdPanel-button jp-ProdCommit-init"
          disabled={!idle}
          title={trans.__(
            'Run git init at the server root, then commit the notebook'
          )}
          onClick={() => actions.commit(model, { init: true })}
        >
          {trans.__('Initialise a repository here')}
        </button>
      )}
    </div>
  );
}

/** The last commit's outcome, when it succeeded. */
function Result(props: {
  commit: CommitModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { commit, trans } = props;
  const result = commit.lastResult;
  if (!result || commit.failure) {
    return null;
  }
  return (
    <div className="jp-ProdCommit-result" data-commit={result.commit}>
      {result.message ||
        trans.__('Committed %1 on %2.', result.short, result.branch)}
      {result.hook_output && (
        <pre className="jp-ProdCommit-output">{result.hook_output}</pre>
      )}
    </div>
  );
}

/** When a commit was made: how long ago, the full date in its tooltip. */
function CommitDate(props: { date: string }): JSX.Element {
  const { relative, full } = commitTime(props.date);
  return (
    <time className="jp-ProdCommit-date" dateTime={props.date} title={full}>
      {relative}
    </time>
  );
}

/** The notebook's recent commits; how long ago each was made reads on while shown. */
function Log(props: {
  commit: CommitModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const log = props.commit.status?.log ?? [];
  const node = React.useRef<HTMLElement>(null);
  useCommitTimes(
    log.map(entry => entry.date),
    node
  );
  if (log.length === 0) {
    return null;
  }
  return (
    <section className="jp-ProdCommit-logSection" ref={node}>
      <h3 className="jp-ProdCommit-logTitle">
        {props.trans.__('Recent commits of this notebook')}
      </h3>
      <ul className="jp-ProdCommit-log">
        {log.map(entry => (
          <li
            key={entry.commit}
            className="jp-ProdCommit-logEntry"
            data-commit={entry.commit}
            title={`${entry.commit}\n${entry.author}\n${entry.date}`}
          >
            <code className="jp-ProdCommit-sha">{entry.short}</code>
            <span className="jp-ProdCommit-subject">{entry.subject}</span>
            <span className="jp-ProdCommit-author">
              {entry.author} · <CommitDate date={entry.date} />
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The refresh button of the section's header. */
function RefreshButton(props: {
  commit: CommitModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { commit, trans } = props;
  return (
    <button
      className="jp-ProdPanel-iconButton"
      title={trans.__('Refresh the git status')}
      aria-label={trans.__('Refresh the git status')}
      disabled={commit.refreshing}
      onClick={() => void commit.refresh()}
    >
      <refreshIcon.react tag="span" elementSize="normal" />
    </button>
  );
}

function CommitBody(props: ICommitViewProps): JSX.Element {
  const { model, commit, trans } = props;
  return (
    <>
      {commit.statusError && (
        <div className="jp-ProdPanel-error" role="alert">
          {commit.statusError.message}
        </div>
      )}
      <FileList commit={commit} trans={trans} />
      <Gate model={model} commit={commit} trans={trans} />
      <MessageBox commit={commit} trans={trans} />
      <CommitButtons {...props} />
      {commit.failure && <Failure {...props} failure={commit.failure} />}
      <Result commit={commit} trans={trans} />
      <Log commit={commit} trans={trans} />
    </>
  );
}

/** Re-renders on every change of the commit model; reads the status once shown. */
export function CommitView(props: ICommitViewProps): JSX.Element {
  const { commit, model } = props;
  React.useEffect(() => {
    void commit.refresh();
    // a save changes what git sees
    const onSaved = () => void commit.refresh();
    model.source.saved.connect(onSaved);
    return () => {
      model.source.saved.disconnect(onSaved);
    };
  }, [commit, model]);
  return (
    <Section
      className="jp-ProdCommit"
      changed={commit.changed}
      status={() => repoStatus(commit, props.trans)}
      statusClassName="jp-ProdCommit-branch"
      actions={() => <RefreshButton commit={commit} trans={props.trans} />}
    >
      {() => <CommitBody {...props} />}
    </Section>
  );
}
