/**
 * Body of the "Promote to Module" dialog: what the server would write (the
 * dry run), what stays behind, and a choice for each name that cannot move.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IPromoteResult } from '../api';

export type UnmovedChoices = { [name: string]: 'parameter' | 'move' };

function Diff(props: { title: string; diff: string }): JSX.Element | null {
  if (!props.diff) {
    return null;
  }
  return (
    <details className="jp-ProdPromote-diff" open>
      <summary>{props.title}</summary>
      <pre>
        {props.diff.split('\n').map((line, i) => (
          <div
            key={i}
            className={
              line.startsWith('+') && !line.startsWith('+++')
                ? 'jp-mod-added'
                : line.startsWith('-') && !line.startsWith('---')
                  ? 'jp-mod-removed'
                  : ''
            }
          >
            {line || ' '}
          </div>
        ))}
      </pre>
    </details>
  );
}

export class PromotePreview extends ReactWidget {
  constructor(
    private _result: IPromoteResult,
    private _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-ProdPromote');
    for (const item of _result.unmoved) {
      const choice = item.choices.find(c => c !== 'cancel');
      if (choice === 'parameter' || choice === 'move') {
        this._choices[item.name] = choice;
      }
    }
  }

  /** The dialog's value: a choice for each name that cannot move as is. */
  getValue(): UnmovedChoices {
    return { ...this._choices };
  }

  protected render(): JSX.Element {
    const r = this._result;
    const trans = this._trans;
    return (
      <div className="jp-ProdPromote-body">
        {r.problems.length > 0 && (
          <ul className="jp-ProdPromote-problems">
            {r.problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        )}
        {r.slice.length > 0 && (
          <p className="jp-ProdPromote-slice">
            {trans.__('Moves to %1:', r.module_path)}{' '}
            {r.slice.map((s, i) => (
              <code key={i} title={s.reason}>
                {s.name}
                {i < r.slice.length - 1 ? ', ' : ''}
              </code>
            ))}
          </p>
        )}
        {r.unmoved.length > 0 && (
          <div className="jp-ProdPromote-unmoved">
            <p>
              {trans.__('These names are used but cannot move as they are:')}
            </p>
            {r.unmoved.map(item => (
              <label key={item.name} className="jp-ProdPromote-choice">
                <code>{item.name}</code> <span>{item.reason}</span>{' '}
                <select
                  defaultValue={this._choices[item.name]}
                  onChange={event => {
                    const value = event.target.value;
                    if (value === 'parameter' || value === 'move') {
                      this._choices[item.name] = value;
                    }
                  }}
                >
                  {item.choices
                    .filter(c => c !== 'cancel')
                    .map(c => (
                      <option key={c} value={c}>
                        {c === 'parameter'
                          ? trans.__('make it a parameter')
                          : trans.__('move it too')}
                      </option>
                    ))}
                </select>
              </label>
            ))}
          </div>
        )}
        {r.warnings.length > 0 && (
          <ul className="jp-ProdPromote-warnings">
            {r.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        )}
        {r.drift.length > 0 && (
          <div className="jp-ProdPromote-drift">
            <p className="jp-ProdPromote-driftTitle">
              {trans.__(
                'Changed since the last promotion (cells or module edited):'
              )}
            </p>
            <ul>
              {r.drift.map((d, i) => (
                <li
                  key={i}
                  className={`jp-ProdPromote-driftItem jp-mod-${d.state}`}
                  data-name={d.name}
                  data-state={d.state}
                >
                  <div>
                    <code>{d.name}</code>{' '}
                    <span className="jp-ProdPromote-driftState">
                      {d.state === 'module-edited'
                        ? trans.__('edited in the module')
                        : trans.__('changed in the notebook')}
                    </span>
                    {': '}
                    {d.message}
                  </div>
                  {d.module_text && (
                    <details open={d.state === 'module-edited'}>
                      <summary>
                        {trans.__('Current text in the module')}
                      </summary>
                      <pre className="jp-ProdPromote-moduleText">
                        {d.module_text}
                      </pre>
                    </details>
                  )}
                </li>
              ))}
            </ul>
            {!r.ok && r.drift.some(d => d.state === 'module-edited') && (
              <p className="jp-ProdPromote-forceHint">
                {trans.__(
                  'Force overwrites the hand edits in the module with the cells; copy the text above into a cell first to keep them.'
                )}
              </p>
            )}
          </div>
        )}
        {r.typecheck.ran && (
          <p className="jp-ProdPromote-typecheck">{r.typecheck.message}</p>
        )}
        <Diff
          title={trans.__('Module %1', r.module_path)}
          diff={r.module_diff}
        />
        <Diff title={trans.__('Notebook')} diff={r.notebook_diff} />
      </div>
    );
  }

  private _choices: UnmovedChoices = {};
}
