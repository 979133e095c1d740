/**
 * The readiness panel's findings, grouped by the family the server gives
 * each finding (`family`, from its check registry): a collapsible section
 * per family with its counts by severity. Nothing here decides a family.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IFinding, Severity, SEVERITIES } from '../api';
import { countBySeverity, ReadinessModel } from '../model';
import type { Family } from '../wire';
import { FindingList, IPanelActions } from './FindingList';

/** A group of the panel: a family, or "other" for a finding without one (e.g. a clean run's). */
export type FindingGroup = Family | 'other';

/**
 * The groups' labels in the user's language, in display order. Keyed by the
 * generated `Family`, so a family the server adds fails the build until it
 * has a label; one literal `trans.__` per label for the extractors.
 */
function groupLabels(trans: TranslationBundle): Record<FindingGroup, string> {
  return {
    execution: trans.__('Execution'),
    dataflow: trans.__('Data flow'),
    security: trans.__('Security'),
    portability: trans.__('Portability'),
    structure: trans.__('Structure'),
    hygiene: trans.__('Hygiene'),
    quality: trans.__('Code quality'),
    vcs: trans.__('Version control'),
    other: trans.__('Other')
  };
}

/**
 * Findings by the family the server sent, groups in `order`, each keeping the
 * findings' order; empty groups are left out, nothing else is.
 */
export function groupFindings(
  findings: ReadonlyArray<IFinding>,
  order: ReadonlyArray<FindingGroup>
): { group: FindingGroup; findings: IFinding[] }[] {
  const groups = new Map<FindingGroup, IFinding[]>();
  for (const finding of findings) {
    // a family this build does not know (a newer server) still shows, under "Other"
    const family = finding.family;
    const group = family && order.includes(family) ? family : 'other';
    const members = groups.get(group);
    if (members) {
      members.push(finding); // no copy per finding: this runs on every report
    } else {
      groups.set(group, [finding]);
    }
  }
  return order
    .filter(group => groups.has(group))
    .map(group => ({ group, findings: groups.get(group)! }));
}

interface IFindingGroupsProps {
  model: ReadinessModel;
  findings: ReadonlyArray<IFinding>;
  actions: IPanelActions;
  trans: TranslationBundle;
  severityLabels: Record<Severity, string>;
  /** the groups the user folded */
  collapsed: Set<string>;
  toggle(group: string): void;
}

/** A group's header: fold button, label, counts by severity. */
function GroupHeader(props: {
  label: string;
  findings: ReadonlyArray<IFinding>;
  collapsed: boolean;
  severityLabels: Record<Severity, string>;
  toggle(): void;
}): JSX.Element {
  const counts = countBySeverity(props.findings);
  const Caret = props.collapsed ? caretRightIcon : caretDownIcon;
  return (
    <button
      className="jp-ProdPanel-groupHeader"
      aria-expanded={!props.collapsed}
      onClick={props.toggle}
    >
      <Caret.react tag="span" elementSize="normal" />
      <span className="jp-ProdPanel-groupName">{props.label}</span>
      <span className="jp-ProdPanel-groupCounts">
        {SEVERITIES.filter(s => counts[s] > 0).map(s => (
          <span
            key={s}
            className={`jp-ProdPanel-pill jp-mod-${s}`}
            title={props.severityLabels[s]}
          >
            {counts[s]}
          </span>
        ))}
      </span>
    </button>
  );
}

export function FindingGroups(props: IFindingGroupsProps): JSX.Element {
  const { model, actions, trans, collapsed, toggle } = props;
  const labels = groupLabels(trans);
  // grouped again only for another list (the model keeps it while the report stays)
  const groups = React.useMemo(
    () => groupFindings(props.findings, Object.keys(labels) as FindingGroup[]),
    [props.findings]
  );
  return (
    <div className="jp-ProdPanel-groups">
      {groups.map(({ group, findings }) => (
        <section key={group} className="jp-ProdPanel-group" data-family={group}>
          <GroupHeader
            label={labels[group]}
            findings={findings}
            collapsed={collapsed.has(group)}
            severityLabels={props.severityLabels}
            toggle={() => toggle(group)}
          />
          {!collapsed.has(group) && (
            <FindingList
              model={model}
              findings={findings}
              actions={actions}
              trans={trans}
            />
          )}
        </section>
      ))}
    </div>
  );
}

/**
 * The waived findings, folded at first (a waiver is asked to keep a finding
 * out of the way): listed, never dropped, each with its Un-waive button.
 */
export function WaivedGroup(props: {
  model: ReadinessModel;
  findings: ReadonlyArray<IFinding>;
  actions: IPanelActions;
  trans: TranslationBundle;
  severityLabels: Record<Severity, string>;
  open: boolean;
  toggle(): void;
}): JSX.Element {
  const { model, findings, actions, trans } = props;
  return (
    <section
      className="jp-ProdPanel-group jp-ProdPanel-waived"
      data-family="waived"
    >
      <GroupHeader
        label={trans.__('Waived')}
        findings={findings}
        collapsed={!props.open}
        severityLabels={props.severityLabels}
        toggle={props.toggle}
      />
      {props.open && (
        <FindingList
          model={model}
          findings={findings}
          actions={actions}
          trans={trans}
          waived
        />
      )}
    </section>
  );
}
