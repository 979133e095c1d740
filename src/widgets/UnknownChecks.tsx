/**
 * A one-line warning naming the check ids of the panel's settings that no
 * check has: a mistyped id in "Hide these checks" hides nothing, and without
 * this line nothing says so. The server names them (`unknown_checks`); the
 * line says which setting holds each and where the valid ids are.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { ReadinessModel } from '../model';

/** Each unknown id with the setting (or project file) that names it. */
export function unknownChecksLine(
  unknown: ReadonlyArray<string>,
  settings: { select: ReadonlyArray<string>; ignore: ReadonlyArray<string> },
  trans: TranslationBundle
): string {
  const where = (id: string) =>
    settings.ignore.includes(id)
      ? trans.__('Hide these checks')
      : settings.select.includes(id)
        ? trans.__('Show only these checks')
        : trans.__('the check request');
  const named = unknown.map(id => `'${id}' (${where(id)})`).join(', ');
  return trans._n(
    'Unknown check id in the settings: %2. Each finding shows its check id; `jupyter-prod checks` lists them all.',
    'Unknown check ids in the settings: %2. Each finding shows its check id; `jupyter-prod checks` lists them all.',
    unknown.length,
    named
  );
}

/** The warning, when the last answer named unknown ids; nothing otherwise. */
export function UnknownChecks(props: {
  model: ReadinessModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, trans } = props;
  const unknown = model.report?.summary.unknown_checks ?? [];
  if (unknown.length === 0) {
    return null;
  }
  return (
    <div className="jp-ProdPanel-warning" role="status">
      {unknownChecksLine(unknown, model.settings, trans)}
    </div>
  );
}
