/**
 * A list of findings: message, where, check id, hint, and (in the readiness
 * list) Fix and Waive buttons. The readiness panel, the commit refusal and
 * the clean run show findings with it.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IFinding } from '../api';
import { jsonEqual } from '../jsonEqual';
import type { ReadinessModel } from '../model';
import { InlineCode } from './InlineCode';

/** The check of a promoted definition that differs between its cell and its module. */
const PROMOTED_DRIFT = 'promoted-drift';

/** What the panel asks its owner to do (the owner holds the notebook). */
export interface IPanelActions {
  reveal(model: ReadinessModel, finding: IFinding): void;
  fix(model: ReadinessModel, finding: IFinding): void;
  /** Promote the finding's cell again (the preview offers Force over hand edits). */
  promoteAgain(model: ReadinessModel, finding: IFinding): void;
  waive(model: ReadinessModel, finding: IFinding): void;
  /** Take a waiver back (the finding counts again); resolves once it is re-checked. */
  unwaive(model: ReadinessModel, finding: IFinding): Promise<void> | void;
  check(model: ReadinessModel): void;
  /** Save the notebook, then commit it (and the ticked files). */
  commit(
    model: ReadinessModel,
    options?: { allowFindings?: boolean; init?: boolean }
  ): void;
  /** Run the notebook's current content in a fresh kernel. */
  runClean(model: ReadinessModel): void;
  cancelRun(model: ReadinessModel): void;
}

export interface IFindingProps {
  model: ReadinessModel;
  finding: IFinding;
  actions: IPanelActions;
  trans: TranslationBundle;
  /** show the Fix and Waive buttons (default true) */
  editable?: boolean;
  /** a waived finding: its button takes the waiver back */
  waived?: boolean;
  /** the model's report describes the editor's content (fixes can apply) */
  upToDate: boolean;
}

/** Fix (or update the cell from its module), Promote again, and Waive. */
function FindingButtons(props: IFindingProps): JSX.Element {
  const { model, finding, actions, trans } = props;
  const canFix = !!finding.fix && props.upToDate;
  return (
    <>
      {finding.fix && (
        <button
          className="jp-ProdPanel-button jp-mod-fix"
          disabled={!canFix}
          title={
            canFix
              ? finding.fix.description
              : trans.__(
                  'Re-checking: the fix is available once the check is up to date'
                )
          }
          onClick={() => actions.fix(model, finding)}
        >
          {finding.check === PROMOTED_DRIFT
            ? trans.__('Update cell from module')
            : trans.__('Fix')}
        </button>
      )}
      {finding.check === PROMOTED_DRIFT && (
        <button
          className="jp-ProdPanel-button jp-mod-promote"
          title={trans.__(
            'Promote the cell again; the preview shows the module’s hand edits and can overwrite them'
          )}
          onClick={() => actions.promoteAgain(model, finding)}
        >
          {trans.__('Promote again…')}
        </button>
      )}
      {finding.cell !== null && (
        <button
          className="jp-ProdPanel-button jp-mod-waive"
          title={trans.__(
            'Ignore %1 in this cell (adds it to the cell metadata jupyter_prod.ignore)',
            finding.check
          )}
          aria-label={trans.__(
            'Waive %1 in cell %2',
            finding.check,
            finding.cell + 1
          )}
          onClick={() => actions.waive(model, finding)}
        >
          {trans.__('Waive')}
        </button>
      )}
    </>
  );
}

/**
 * A finding leaving its list (waived, un-waived, fixed) with the keyboard
 * focus in it hands the focus to the finding that takes its place (the next,
 * else the previous), else to the section's tab: the focused button went with
 * its item and the focus fell to the page, where the next Tab started over.
 * Called as the item unmounts (its node still in the document).
 */
function handFocusOn(item: HTMLElement | null): void {
  if (!item || !item.contains(document.activeElement)) {
    return;
  }
  const near = [item.nextElementSibling, item.previousElementSibling];
  const panel = item.closest('.jp-ProdPanel');
  requestAnimationFrame(() => {
    const active = document.activeElement;
    if (active && active !== document.body) {
      return; // the focus went somewhere on purpose
    }
    const target =
      near
        .map(n => n?.querySelector<HTMLElement>('.jp-ProdPanel-findingMain'))
        .find(n => n?.isConnected) ??
      panel?.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]');
    target?.focus();
  });
}

function FindingItem(props: IFindingProps): JSX.Element {
  const { model, finding, actions, trans } = props;
  const editable = props.editable ?? true;
  const itemRef = React.useRef<HTMLLIElement>(null);
  React.useLayoutEffect(() => {
    const item = itemRef.current;
    return () => handFocusOn(item);
  }, []);
  const where =
    finding.cell === null
      ? trans.__('Notebook')
      : finding.line === null
        ? trans.__('Cell %1', finding.cell + 1)
        : trans.__('Cell %1, line %2', finding.cell + 1, finding.line);
  const reveal = () => actions.reveal(model, finding);
  return (
    <li
      ref={itemRef}
      className={`jp-ProdPanel-finding jp-mod-${finding.severity}`}
      data-check={finding.check}
      data-cell={finding.cell === null ? '' : String(finding.cell)}
      data-line={finding.line === null ? '' : String(finding.line)}
    >
      <div
        className="jp-ProdPanel-findingMain"
        role="button"
        tabIndex={0}
        title={trans.__('Go to the cell')}
        onClick={reveal}
        onKeyDown={event => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            reveal();
          }
        }}
      >
        <span
          className={`jp-ProdPanel-severity jp-mod-${finding.severity}`}
          title={finding.severity}
          aria-label={finding.severity}
        />
        <div className="jp-ProdPanel-findingText">
          <div className="jp-ProdPanel-message">
            <InlineCode text={finding.message} />
          </div>
          <div className="jp-ProdPanel-meta">
            <span className="jp-ProdPanel-where">{where}</span>
            <code className="jp-ProdPanel-check">{finding.check}</code>
          </div>
          {finding.hint && (
            <div className="jp-ProdPanel-hint">
              <InlineCode text={finding.hint} />
            </div>
          )}
        </div>
      </div>
      <div className="jp-ProdPanel-findingActions">
        {editable &&
          (props.waived ? (
            <UnwaiveButton {...props} />
          ) : (
            <FindingButtons {...props} />
          ))}
      </div>
    </li>
  );
}

/** A waived finding's Un-waive button: disabled until its re-check answered (one click, one request). */
function UnwaiveButton(props: IFindingProps): JSX.Element {
  const { model, finding, actions, trans } = props;
  const [pending, setPending] = React.useState(false);
  const unwaive = () => {
    setPending(true);
    void Promise.resolve(actions.unwaive(model, finding)).finally(() =>
      setPending(false)
    );
  };
  return (
    <button
      className="jp-ProdPanel-button jp-mod-unwaive"
      title={trans.__(
        'Stop ignoring %1 in this cell (the finding counts again)',
        finding.check
      )}
      aria-label={
        finding.cell === null
          ? trans.__('Un-waive %1', finding.check)
          : trans.__('Un-waive %1 in cell %2', finding.check, finding.cell + 1)
      }
      disabled={pending}
      onClick={unwaive}
    >
      {trans.__('Un-waive')}
    </button>
  );
}

/**
 * Whether an item renders as before: only when its finding's content (or
 * what its buttons depend on) changed does it render again. A findings delta
 * keeps the objects of the findings it kept, a full report brings new objects
 * for the same findings, and a busy flip re-renders the panel.
 */
export function sameItemProps(a: IFindingProps, b: IFindingProps): boolean {
  return (
    a.model === b.model &&
    a.actions === b.actions &&
    a.trans === b.trans &&
    a.editable === b.editable &&
    a.waived === b.waived &&
    // only the Fix button reads upToDate: a keystroke flips it, and every
    // other row stays as it is
    (a.upToDate === b.upToDate || !b.finding.fix) &&
    jsonEqual(a.finding, b.finding)
  );
}

const MemoFindingItem = React.memo(FindingItem, sameItemProps);

/** Items shown at first; the rest behind "Show more" (a long list costs every render). */
export const FINDINGS_SHOWN = 50;

/**
 * React keys that stay with a finding when others are added before it (an
 * index would move every later key and rebuild their DOM).
 */
export function findingKeys(findings: ReadonlyArray<IFinding>): string[] {
  const seen = new Map<string, number>();
  return findings.map(f => {
    const base = `${f.check}:${f.cell_id ?? f.cell}:${f.line}:${f.message}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n ? `${base}:${n}` : base;
  });
}

interface IFindingListProps {
  model: ReadinessModel;
  findings: ReadonlyArray<IFinding>;
  actions: IPanelActions;
  trans: TranslationBundle;
  /** show the Fix and Waive buttons (default true) */
  editable?: boolean;
  /** waived findings: each has an Un-waive button */
  waived?: boolean;
  /** extra class of the list, e.g. `jp-ProdRun-findings` */
  className?: string;
}

export function FindingList(props: IFindingListProps): JSX.Element {
  const { findings, className, model, ...item } = props;
  const [limit, setLimit] = React.useState(FINDINGS_SHOWN);
  const shown = findings.length > limit ? findings.slice(0, limit) : findings;
  // a key depends only on the findings before it: the shown ones suffice
  const keys = findingKeys(shown);
  const upToDate = model.upToDate;
  return (
    <ul
      className={
        className
          ? `jp-ProdPanel-findings ${className}`
          : 'jp-ProdPanel-findings'
      }
    >
      {shown.map((finding, i) => (
        <MemoFindingItem
          key={keys[i]}
          finding={finding}
          model={model}
          upToDate={upToDate}
          {...item}
        />
      ))}
      {findings.length > shown.length && (
        <li className="jp-ProdPanel-more">
          <button
            className="jp-ProdPanel-button jp-mod-more"
            onClick={() => setLimit(findings.length)}
          >
            {props.trans.__('Show %1 more', findings.length - shown.length)}
          </button>
        </li>
      )}
    </ul>
  );
}
