/**
 * The shape the Commit and Clean Run sections of the panel share: a header
 * (where the section stands, and its buttons) over the section's body, all
 * rendered again on every change of the section's model.
 */
import { UseSignal } from '@jupyterlab/apputils';
import type { ISignal } from '@lumino/signaling';
import * as React from 'react';

interface ISectionProps {
  /** the section's class (`jp-ProdCommit`, `jp-ProdRun`); the header's parts get `<class>-header`... */
  className: string;
  /** emitted on every change of the section's model */
  changed: ISignal<unknown, void>;
  /** the header's text: where the section stands */
  status(): React.ReactNode;
  /** extra class of the header's text (what tests and styles find it by) */
  statusClassName?: string;
  /** the header's buttons */
  actions(): React.ReactNode;
  /** the rest of the section */
  children(): React.ReactNode;
}

export function Section(props: ISectionProps): JSX.Element {
  const { className } = props;
  return (
    <UseSignal signal={props.changed}>
      {() => (
        <div className={`jp-ProdSection ${className}`}>
          <div className={`jp-ProdSection-header ${className}-header`}>
            <span
              className={`jp-ProdSection-status ${props.statusClassName ?? `${className}-status`}`}
            >
              {props.status()}
            </span>
            <span className="jp-ProdSection-actions">{props.actions()}</span>
          </div>
          {props.children()}
        </div>
      )}
    </UseSignal>
  );
}
