/**
 * The "Readiness" side panel: score, findings grouped by family with counts,
 * a severity filter, click-to-reveal, one-click fixes and waivers.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { ISignal, Signal } from '@lumino/signaling';

import { IFinding, isNotPython, Severity, SEVERITIES } from '../api';
import { countBySeverity, ReadinessModel } from '../model';
import { IReadinessManager, PANEL_ID, PanelSection } from '../tokens';
import { CommitView } from './CommitView';
import { FindingGroups, WaivedGroup } from './FindingGroups';
import type { IPanelActions } from './FindingList';
import { readinessIcon } from './icons';
import { rovingKeyDown, rovingTabIndex } from './roving';
import { RunView } from './RunView';
import { UnknownChecks } from './UnknownChecks';

type SeverityFilter = 'all' | Severity;

/** CSS modifier of a score: good, fair or poor. */
export function scoreClass(score: number): string {
  if (score >= 80) {
    return 'jp-mod-good';
  }
  if (score >= 50) {
    return 'jp-mod-fair';
  }
  return 'jp-mod-poor';
}

function basename(path: string): string {
  const parts = path.split('/');
  return parts[parts.length - 1] || path;
}

interface IBodyProps {
  model: ReadinessModel;
  actions: IPanelActions;
  trans: TranslationBundle;
  filter: SeverityFilter;
  setFilter(filter: SeverityFilter): void;
  collapsed: Set<string>;
  toggle(family: string): void;
  /** the waived findings are unfolded */
  showWaived: boolean;
  toggleWaived(): void;
}

/**
 * Score, notebook name, where the check stands, and the button that runs
 * every check; until every check ran once, a line saying the score is the
 * quick checks' (the panel and `jupyter-prod check` disagreed, unexplained).
 */
function Summary(props: {
  model: ReadinessModel;
  actions: IPanelActions;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, actions, trans } = props;
  const report = model.report;
  const score = model.score;
  return (
    <div className="jp-ProdPanel-summary">
      <div
        className={`jp-ProdPanel-score ${score === null ? '' : scoreClass(score)}`}
        title={trans.__('Readiness score (100 = production-ready)')}
      >
        <span className="jp-ProdPanel-scoreValue">{score ?? '–'}</span>
        <span className="jp-ProdPanel-scoreMax">/100</span>
      </div>
      <div className="jp-ProdPanel-summaryText">
        <div className="jp-ProdPanel-path" title={model.path}>
          {basename(model.path)}
        </div>
        <div className="jp-ProdPanel-status">
          {model.busy
            ? trans.__('Checking…')
            : report
              ? trans._n('%1 finding', '%1 findings', model.findings.length) +
                (model.waived.length
                  ? ' · ' + trans.__('%1 waived', model.waived.length)
                  : '')
              : model.error && isNotPython(model.error)
                ? trans.__('Not a Python notebook')
                : trans.__('Not checked yet')}
        </div>
      </div>
      <button
        className="jp-ProdPanel-iconButton"
        title={trans.__('Run all checks (including the type check)')}
        aria-label={trans.__('Run all checks')}
        disabled={model.busy}
        onClick={() => actions.check(model)}
      >
        <refreshIcon.react tag="span" elementSize="normal" />
      </button>
      {model.report && !model.checkedAll && (
        <div className="jp-ProdPanel-quick">
          {model.settings.mypyOnSave
            ? trans.__(
                'Quick checks only: black, mypy and git run when you save, or now with ↻.'
              )
            : trans.__('Quick checks only: black, mypy and git run with ↻.')}
        </div>
      )}
    </div>
  );
}

/** All findings, or those of one severity, with the counts. */
function SeverityFilterBar(props: {
  findings: ReadonlyArray<IFinding>;
  filter: SeverityFilter;
  setFilter(filter: SeverityFilter): void;
  severityLabels: Record<Severity, string>;
  trans: TranslationBundle;
}): JSX.Element {
  const { findings, filter, setFilter, trans } = props;
  const counts = countBySeverity(findings);
  const option = (value: SeverityFilter, label: string, count: number) => (
    <button
      key={value}
      role="radio"
      aria-checked={filter === value}
      tabIndex={rovingTabIndex(filter === value)}
      className={`jp-ProdPanel-filterButton ${value === 'all' ? '' : `jp-mod-${value} `}${filter === value ? 'jp-mod-active' : ''}`}
      data-severity={value}
      onClick={() => setFilter(value)}
    >
      {label} <span className="jp-ProdPanel-count">{count}</span>
    </button>
  );
  return (
    <div
      className="jp-ProdPanel-filter"
      role="radiogroup"
      aria-label={trans.__('Severity filter')}
      onKeyDown={rovingKeyDown('radio')}
    >
      {option('all', trans.__('All'), findings.length)}
      {SEVERITIES.map(sev =>
        option(sev, props.severityLabels[sev], counts[sev])
      )}
    </div>
  );
}

function ModelView(props: IBodyProps): JSX.Element {
  const { model, actions, trans, filter, setFilter } = props;
  const findings = model.findings;
  const shown =
    filter === 'all' ? findings : findings.filter(f => f.severity === filter);
  const severityLabels: Record<Severity, string> = {
    error: trans.__('Errors'),
    warning: trans.__('Warnings'),
    info: trans.__('Info')
  };
  return (
    <div className="jp-ProdPanel-body">
      <Summary model={model} actions={actions} trans={trans} />
      {model.error &&
        (isNotPython(model.error) ? (
          <div className="jp-ProdPanel-empty jp-ProdPanel-notPython">
            {model.error.message}
          </div>
        ) : (
          <div className="jp-ProdPanel-error" role="alert">
            {model.error.message}
          </div>
        ))}
      <UnknownChecks model={model} trans={trans} />
      {(model.report || !model.error || !isNotPython(model.error)) && (
        <SeverityFilterBar
          findings={findings}
          filter={filter}
          setFilter={setFilter}
          severityLabels={severityLabels}
          trans={trans}
        />
      )}
      {model.report && shown.length === 0 && (
        <div className="jp-ProdPanel-empty">
          {findings.length === 0
            ? trans.__('No findings: this notebook looks production-ready.')
            : trans.__('No findings of this severity.')}
        </div>
      )}
      <FindingGroups
        model={model}
        findings={shown}
        actions={actions}
        trans={trans}
        severityLabels={severityLabels}
        collapsed={props.collapsed}
        toggle={props.toggle}
      />
      {model.waived.length > 0 && (
        <WaivedGroup
          model={model}
          findings={model.waived}
          actions={actions}
          trans={trans}
          severityLabels={severityLabels}
          open={props.showWaived}
          toggle={props.toggleWaived}
        />
      )}
    </div>
  );
}

interface IPanelProps {
  manager: IReadinessManager;
  actions: IPanelActions;
  trans: TranslationBundle;
  section: ISignal<ReadinessPanel, PanelSection>;
  initialSection: PanelSection;
  setSection(section: PanelSection): void;
}

function SectionTabs(props: {
  section: PanelSection;
  setSection(section: PanelSection): void;
  trans: TranslationBundle;
}): JSX.Element {
  const { section, setSection, trans } = props;
  const labels: Record<PanelSection, string> = {
    findings: trans.__('Findings'),
    commit: trans.__('Commit'),
    run: trans.__('Clean Run')
  };
  return (
    <div
      className="jp-ProdPanel-tabs"
      role="tablist"
      aria-label={trans.__('Sections')}
      onKeyDown={rovingKeyDown('tab')}
    >
      {(['findings', 'commit', 'run'] as PanelSection[]).map(name => (
        <button
          key={name}
          role="tab"
          id={`jp-ProdPanel-tab-${name}`}
          aria-selected={section === name}
          aria-controls="jp-ProdPanel-section"
          tabIndex={rovingTabIndex(section === name)}
          className={`jp-ProdPanel-tab ${section === name ? 'jp-mod-active' : ''}`}
          data-section={name}
          onClick={() => setSection(name)}
        >
          {labels[name]}
        </button>
      ))}
    </div>
  );
}

/** The current notebook's section: its findings, its commit, or its clean run. */
function NotebookSection(
  props: Omit<IBodyProps, 'model'> & {
    manager: IReadinessManager;
    model: ReadinessModel | null;
    section: PanelSection;
  }
): JSX.Element {
  const { manager, model, section, actions, trans } = props;
  if (!model) {
    // the tabs control this section with or without a notebook (aria-controls names it)
    return (
      <div
        className="jp-ProdPanel-empty"
        id="jp-ProdPanel-section"
        role="tabpanel"
        aria-labelledby={`jp-ProdPanel-tab-${section}`}
      >
        {trans.__('Open a notebook to see how ready it is for production.')}
      </div>
    );
  }
  const commit = manager.commitFor(model);
  const run = manager.runFor(model);
  return (
    <UseSignal signal={model.stateChanged} key={model.path}>
      {() => (
        <div
          className="jp-ProdPanel-model"
          id="jp-ProdPanel-section"
          role="tabpanel"
          aria-labelledby={`jp-ProdPanel-tab-${section}`}
          data-jp-prod-revision={model.revision}
          data-path={model.path}
        >
          {section === 'findings' && <ModelView {...props} model={model} />}
          {section === 'commit' && commit && (
            <CommitView
              model={model}
              commit={commit}
              actions={actions}
              trans={trans}
            />
          )}
          {section === 'run' && run && (
            <RunView model={model} run={run} actions={actions} trans={trans} />
          )}
        </div>
      )}
    </UseSignal>
  );
}

function PanelView(props: IPanelProps): JSX.Element {
  const { manager, actions, trans } = props;
  const [filter, setFilter] = React.useState<SeverityFilter>('all');
  const [collapsed, setCollapsed] = React.useState<Set<string>>(new Set());
  const [showWaived, setShowWaived] = React.useState(false);
  const toggle = (family: string) =>
    setCollapsed(prev => {
      const next = new Set(prev);
      if (next.has(family)) {
        next.delete(family);
      } else {
        next.add(family);
      }
      return next;
    });
  return (
    <div className="jp-ProdPanel-content">
      <header className="jp-ProdPanel-header">
        <readinessIcon.react tag="span" elementSize="normal" />
        <h2 className="jp-ProdPanel-title">{trans.__('Readiness')}</h2>
      </header>
      <UseSignal signal={props.section} initialArgs={props.initialSection}>
        {(_, sectionArg) => {
          const section = sectionArg ?? 'findings';
          return (
            <>
              <SectionTabs
                section={section}
                setSection={props.setSection}
                trans={trans}
              />
              <UseSignal
                signal={manager.currentChanged}
                initialArgs={manager.current}
              >
                {(_, current) => (
                  <NotebookSection
                    manager={manager}
                    model={current ?? null}
                    section={section}
                    actions={actions}
                    trans={trans}
                    filter={filter}
                    setFilter={setFilter}
                    collapsed={collapsed}
                    toggle={toggle}
                    showWaived={showWaived}
                    toggleWaived={() => setShowWaived(open => !open)}
                  />
                )}
              </UseSignal>
            </>
          );
        }}
      </UseSignal>
    </div>
  );
}

/** The Lumino widget hosting the panel (left sidebar). */
export class ReadinessPanel extends ReactWidget {
  constructor(options: ReadinessPanel.IOptions) {
    super();
    this._props = options;
    this.id = PANEL_ID;
    this.addClass('jp-ProdPanel');
    this.title.icon = readinessIcon;
    this.title.caption = options.trans.__('Readiness');
  }

  /** The section (tab) shown. */
  get section(): PanelSection {
    return this._section;
  }

  set section(value: PanelSection) {
    if (value !== this._section) {
      this._section = value;
      this._sectionChanged.emit(value);
    }
  }

  get sectionChanged(): ISignal<this, PanelSection> {
    return this._sectionChanged;
  }

  protected render(): JSX.Element {
    return (
      <PanelView
        manager={this._props.manager}
        actions={this._props.actions}
        trans={this._props.trans}
        section={this._sectionChanged}
        initialSection={this._section}
        setSection={section => {
          this.section = section;
        }}
      />
    );
  }

  private _props: ReadinessPanel.IOptions;
  private _section: PanelSection = 'findings';
  private _sectionChanged = new Signal<this, PanelSection>(this);
}

export namespace ReadinessPanel {
  export interface IOptions {
    manager: IReadinessManager;
    actions: IPanelActions;
    trans: TranslationBundle;
  }
}
