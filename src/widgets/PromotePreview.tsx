/**
 * Body of the "Promote to Module" dialog: what the server would write (the
 * dry run), what stays behind, and a choice for each name that cannot move.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { ApiError, IPromoteResult, UnmovedChoice } from '../api';
import type { IUnsavedCells } from '../savedCells';
import type { ISliceItem, ITypeError } from '../wire';
import { InlineCode } from './InlineCode';

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

/** Class of the dialog button that applies the preview (enabled only when it can be applied). */
export const APPLY_CLASS = 'jp-ProdPromote-apply';

/** A choice for each name that cannot move as it is. */
export type UnmovedChoices = { [name: string]: UnmovedChoice };

/** What the user chose in the preview: a choice per data name, and whether the cells become a function. */
export interface IPromoteChoices {
  unmoved: UnmovedChoices;
  /** promote the cells' statements as a function of this name (null: the definitions only) */
  asFunction: string | null;
}

/** Runs the dry run again with new choices (the preview's diffs follow the choices). */
export type Rerun = (choices: IPromoteChoices) => Promise<IPromoteResult>;

/** At most this many extra dry runs to give every data name the choice the preview suggests. */
const SUGGESTION_ROUNDS = 6;

/**
 * The dry run with a choice for every data name: names without one get the choice the preview
 * suggests, so the diffs show a promotion that works. Returns the preview and the choices it used.
 */
export async function previewWithSuggestions(
  rerun: Rerun,
  choices: IPromoteChoices
): Promise<{ result: IPromoteResult; unmoved: UnmovedChoices }> {
  let unmoved = choices.unmoved;
  let result = await rerun(choices);
  // a moved statement can read more data: a few rounds settle every name
  for (let round = 0; round < SUGGESTION_ROUNDS; round++) {
    const open = result.unmoved.filter(
      u => !u.choices.includes(unmoved[u.name] ?? 'none')
    );
    if (open.length === 0) {
      break;
    }
    unmoved = { ...unmoved };
    for (const u of open) {
      unmoved[u.name] = u.suggested;
    }
    result = await rerun({ unmoved, asFunction: choices.asFunction });
  }
  return { result, unmoved };
}

/** Whether a preview of the definitions only found none: that choice would write an empty module. */
function definesNothing(result: IPromoteResult): boolean {
  return result.refusals.some(r => r.reason === 'nothing-to-promote');
}

/** The preview a dialog opens on: its dry run, the choices it was made with, what it found. */
export interface IOpeningPreview {
  result: IPromoteResult;
  unmoved: UnmovedChoices;
  /** the function the cells were previewed as (null: the definitions only) */
  asFunction: string | null;
  /** the definitions only were previewed and there are none (that choice is then disabled) */
  definesNothing: boolean;
}

/**
 * The preview the dialog opens on: the definitions only, unless the cells
 * hold statements only and a function is offered. That dry run would open
 * the dialog on the one choice it disables, with Promote disabled: it opens
 * on the function instead, the choice that can be applied, unless that
 * second dry run fails (then it opens on the first, as without an offer).
 */
export async function openingPreview(
  rerun: Rerun,
  unmoved: UnmovedChoices
): Promise<IOpeningPreview> {
  const definitions = await previewWithSuggestions(rerun, {
    unmoved,
    asFunction: null
  });
  const offer = definitions.result.function_offer;
  if (!definesNothing(definitions.result) || !offer) {
    return { ...definitions, asFunction: null, definesNothing: false };
  }
  try {
    const asFunction = await previewWithSuggestions(rerun, {
      unmoved: definitions.unmoved,
      asFunction: offer
    });
    return { ...asFunction, asFunction: offer, definesNothing: true };
  } catch {
    // the function's dry run failed (server busy, timeout): the dialog still
    // opens, on the definitions-only preview that worked, its offer selectable
    return { ...definitions, asFunction: null, definesNothing: true };
  }
}

function choiceLabel(choice: UnmovedChoice, trans: TranslationBundle): string {
  switch (choice) {
    case 'parameter':
      return trans.__('Make it a parameter');
    case 'move':
      return trans.__('Move the statement too');
    default:
      return trans.__('Cancel the promotion');
  }
}

/** Lines of text (problems, warnings), when there are any; the engine's `code` shows as code. */
function Lines(props: {
  className: string;
  lines: ReadonlyArray<string>;
}): JSX.Element | null {
  if (props.lines.length === 0) {
    return null;
  }
  return (
    <ul className={props.className}>
      {props.lines.map((line, i) => (
        <li key={i}>
          <InlineCode text={line} />
        </li>
      ))}
    </ul>
  );
}

/**
 * mypy's errors in the module, each at its module line and the cell it came from: the warning above
 * says how many there are, this says which (the Readiness panel lists the notebook's own).
 */
function TypeErrors(props: {
  errors: ReadonlyArray<ITypeError>;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { errors, trans } = props;
  if (errors.length === 0) {
    return null;
  }
  return (
    <ul className="jp-ProdPromote-typeErrors">
      {errors.map((e, i) => (
        <li key={i}>
          {e.cell !== null && e.cell_line !== null
            ? trans.__(
                'Line %1 (cell %2, line %3): %4',
                e.module_line,
                e.cell + 1,
                e.cell_line,
                e.message
              )
            : trans.__('Line %1: %2', e.module_line, e.message)}
        </li>
      ))}
    </ul>
  );
}

/** Names as code, each with why it goes into the module (its title), comma-separated. */
function NameList(props: { items: ReadonlyArray<ISliceItem> }): JSX.Element {
  return (
    <>
      {props.items.map((s, i) => (
        <code key={i} title={s.reason}>
          {s.name}
          {i < props.items.length - 1 ? ', ' : ''}
        </code>
      ))}
    </>
  );
}

/**
 * What moves to the module, each name with why; the imports the moved code
 * uses apart: the module gets its own copy of an import, so listing one as
 * moving read as if the notebook lost it.
 */
function Slice(props: {
  result: IPromoteResult;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { slice, module_path } = props.result;
  const moved = slice.filter(s => s.kind !== 'import');
  const imports = slice.filter(s => s.kind === 'import');
  if (moved.length === 0) {
    return null;
  }
  return (
    <p className="jp-ProdPromote-slice">
      {props.trans.__('Moves to %1:', module_path)} <NameList items={moved} />
      {imports.length > 0 && (
        <span className="jp-ProdPromote-sliceImports">
          {' · '}
          {props.trans.__('with the imports it uses:')}{' '}
          <NameList items={imports} />
        </span>
      )}
    </p>
  );
}

/** A choice for each data name that cannot move as it is. */
function Unmoved(props: {
  result: IPromoteResult;
  choices: UnmovedChoices;
  disabled: boolean;
  choose(name: string, choice: UnmovedChoice): void;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { result, choices, disabled, choose, trans } = props;
  if (result.unmoved.length === 0) {
    return null;
  }
  return (
    <div className="jp-ProdPromote-unmoved">
      <p>
        {trans.__(
          'These names are data the notebook computes; choose what happens to each:'
        )}
      </p>
      {result.unmoved.map(item => (
        <fieldset
          key={item.name}
          className="jp-ProdPromote-choice"
          data-name={item.name}
          disabled={disabled}
        >
          <legend>
            {/* the reason names the data first (`prices` (cell 2) is data ...) */}
            {!item.reason.startsWith(`\`${item.name}\``) && (
              <>
                <code>{item.name}</code>{' '}
              </>
            )}
            <span>
              <InlineCode text={item.reason} />
            </span>
          </legend>
          {item.choices.map(choice => (
            <label key={choice} className="jp-ProdPromote-option">
              <input
                type="radio"
                name={`jp-ProdPromote-${item.name}`}
                value={choice}
                checked={(choices[item.name] ?? item.suggested) === choice}
                onChange={() => choose(item.name, choice)}
              />
              <span className="jp-ProdPromote-optionLabel">
                {choiceLabel(choice, trans)}
              </span>
              {item.consequences[choice] && (
                <span className="jp-ProdPromote-consequence">
                  {' — '}
                  <InlineCode text={item.consequences[choice]} />
                </span>
              )}
            </label>
          ))}
        </fieldset>
      ))}
    </div>
  );
}

/** Definitions changed since their last promotion: in the cells, or by hand in the module. */
function Drift(props: {
  result: IPromoteResult;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { result, trans } = props;
  if (result.drift.length === 0) {
    return null;
  }
  return (
    <div className="jp-ProdPromote-drift">
      <p className="jp-ProdPromote-driftTitle">
        {trans.__('Changed since the last promotion (cells or module edited):')}
      </p>
      <ul>
        {result.drift.map((d, i) => (
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
                <summary>{trans.__('Current text in the module')}</summary>
                <pre className="jp-ProdPromote-moduleText">{d.module_text}</pre>
              </details>
            )}
          </li>
        ))}
      </ul>
      {!result.ok && result.drift.some(d => d.state === 'module-edited') && (
        <p className="jp-ProdPromote-forceHint">
          {trans.__(
            'Force overwrites the hand edits in the module with the cells; copy the text above into a cell first to keep them.'
          )}
        </p>
      )}
    </div>
  );
}

/** "2", "2 and 5", "2, 4 and 5": cell numbers in a sentence. */
function numbers(
  trans: TranslationBundle,
  cells: ReadonlyArray<number>
): string {
  const shown = cells.map(String);
  return shown.length === 1
    ? shown[0]
    : trans.__(
        '%1 and %2',
        shown.slice(0, -1).join(', '),
        shown[shown.length - 1]
      );
}

/**
 * The preview's line on what Promote's save writes besides its edits: the
 * cell changes not saved yet, named (`cells 2 and 5 edited, 1 cell added`)
 * when known.
 */
export function unsavedLine(
  trans: TranslationBundle,
  unsaved: IUnsavedCells
): string {
  const parts: string[] = [];
  if (unsaved.edited.length > 0) {
    parts.push(
      trans._n(
        'cell %2 edited',
        'cells %2 edited',
        unsaved.edited.length,
        numbers(trans, unsaved.edited)
      )
    );
  }
  if (unsaved.added > 0) {
    parts.push(trans._n('%1 cell added', '%1 cells added', unsaved.added));
  }
  if (unsaved.deleted > 0) {
    parts.push(
      trans._n('%1 cell deleted', '%1 cells deleted', unsaved.deleted)
    );
  }
  if (unsaved.moved) {
    parts.push(trans.__('cells moved'));
  }
  return parts.length > 0
    ? trans.__(
        'Promote saves the notebook, with its edits and your unsaved changes (%1).',
        parts.join(', ')
      )
    : trans.__(
        'Promote saves the notebook, with its edits and your unsaved changes.'
      );
}

/** What the preview says beside the dry run. */
export interface IPreviewOptions {
  /** the notebook's cell changes not saved yet, which Promote saves with its edits */
  unsaved?: IUnsavedCells | null;
}

export class PromotePreview extends ReactWidget {
  constructor(
    opening: IOpeningPreview,
    private _trans: TranslationBundle,
    private _rerun?: Rerun,
    private _options: IPreviewOptions = {}
  ) {
    super();
    this.addClass('jp-ProdPromote');
    this._result = opening.result;
    this._choices = { ...opening.unmoved };
    this._asFunction = opening.asFunction;
    this._functionName =
      opening.asFunction ?? opening.result.function_offer ?? '';
    this._definesNothing =
      opening.definesNothing ||
      (opening.asFunction === null && definesNothing(opening.result));
  }

  /** The function name the shown preview was made with (null: the definitions only). */
  get asFunction(): string | null {
    return this._asFunction;
  }

  /** The preview shown now (the last dry run). */
  get result(): IPromoteResult {
    return this._result;
  }

  /** The dialog's value: the choices the shown preview was made with. */
  getValue(): UnmovedChoices {
    return { ...this._choices };
  }

  /** Whether the shown preview can be applied as it is. */
  get canPromote(): boolean {
    return !this._busy && this._result.ok && this._result.problems.length === 0;
  }

  /**
   * The dialog's accept button follows the preview: enabled only when it can
   * be applied. The dialog focuses that button when it opens; disabling it
   * dropped the focus out of the dialog (to the page), where Escape, Enter
   * and Tab reach no button: the focus goes to Cancel instead.
   */
  private _syncAccept(): void {
    const dialog = this.node.closest('.jp-Dialog-content');
    const apply = dialog?.querySelector<HTMLButtonElement>(`.${APPLY_CLASS}`);
    if (!dialog || !apply) {
      return;
    }
    const focused = document.activeElement;
    apply.disabled = !this.canPromote;
    if (apply.disabled && (focused === apply || !dialog.contains(focused))) {
      dialog
        .querySelector<HTMLButtonElement>(
          `.jp-Dialog-footer button:not(.${APPLY_CLASS})`
        )
        ?.focus();
    }
  }

  private _choose(name: string, choice: UnmovedChoice): Promise<void> {
    if (this._choices[name] === choice) {
      return Promise.resolve();
    }
    return this._update({ ...this._choices, [name]: choice }, this._asFunction);
  }

  private _chooseFunction(name: string | null): Promise<void> {
    const valid = name === null || /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
    if (!valid || name === this._asFunction) {
      return Promise.resolve();
    }
    return this._update(this._choices, name);
  }

  /** Show the new choices at once; the diffs follow when the dry run answers (kept as they were on error). */
  private async _update(
    choices: UnmovedChoices,
    asFunction: string | null
  ): Promise<void> {
    if (!this._rerun) {
      return;
    }
    const previous = { choices: this._choices, asFunction: this._asFunction };
    this._choices = choices;
    this._asFunction = asFunction;
    this._busy = true;
    this._error = '';
    this.update();
    this._syncAccept();
    try {
      const next = await previewWithSuggestions(this._rerun, {
        unmoved: choices,
        asFunction
      });
      this._result = next.result;
      this._choices = next.unmoved;
      if (asFunction === null) {
        this._definesNothing = definesNothing(next.result);
      }
    } catch (error) {
      this._choices = previous.choices;
      this._asFunction = previous.asFunction;
      this._error = ApiError.from(error).message;
    } finally {
      this._busy = false;
      this.update();
      this._syncAccept();
    }
  }

  private _renderFunctionOffer(): JSX.Element | null {
    const trans = this._trans;
    if (!this._result.function_offer && this._asFunction === null) {
      return null;
    }
    const asFunction = this._asFunction !== null;
    const nothing = this._definesNothing;
    return (
      <fieldset
        className="jp-ProdPromote-asFunction"
        disabled={this._busy || !this._rerun}
      >
        <legend>
          {nothing
            ? trans.__('The selected cells hold statements only:')
            : trans.__('The selected cells also hold other statements:')}
        </legend>
        <label className="jp-ProdPromote-option">
          <input
            type="radio"
            name="jp-ProdPromote-asFunction"
            checked={!asFunction}
            disabled={nothing}
            onChange={() => void this._chooseFunction(null)}
          />
          <span className="jp-ProdPromote-optionLabel">
            {trans.__('Promote the definitions only')}
          </span>
          <span className="jp-ProdPromote-consequence">
            {' — '}
            {nothing
              ? trans.__(
                  'there are none: the module would be empty, so this cannot be promoted.'
                )
              : trans.__('the other statements stay in the notebook.')}
          </span>
        </label>
        <label className="jp-ProdPromote-option">
          <input
            type="radio"
            name="jp-ProdPromote-asFunction"
            checked={asFunction}
            onChange={() => void this._chooseFunction(this._functionName)}
          />
          <span className="jp-ProdPromote-optionLabel">
            {trans.__('Make a function of the cells')}
          </span>
          <span className="jp-ProdPromote-consequence">
            {' — '}
            {trans.__(
              'the cells become one call of it; what later cells use is returned.'
            )}
          </span>
        </label>
        <label className="jp-ProdPromote-functionName">
          {trans.__('Function name')}{' '}
          <input
            type="text"
            value={this._functionName}
            onChange={event => {
              this._functionName = event.target.value.trim();
              this.update();
            }}
            onBlur={() => {
              if (this._asFunction !== null) {
                void this._chooseFunction(this._functionName);
              }
            }}
          />
        </label>
      </fieldset>
    );
  }

  protected render(): JSX.Element {
    const r = this._result;
    const trans = this._trans;
    return (
      <div
        className="jp-ProdPromote-body"
        aria-busy={this._busy}
        ref={() => this._syncAccept()}
      >
        {this._error && (
          <p className="jp-ProdPromote-error" role="alert">
            {this._error}
          </p>
        )}
        <Lines className="jp-ProdPromote-problems" lines={r.problems} />
        <Slice result={r} trans={trans} />
        {this._renderFunctionOffer()}
        <Unmoved
          result={r}
          choices={this._choices}
          disabled={this._busy || !this._rerun}
          choose={(name, choice) => void this._choose(name, choice)}
          trans={trans}
        />
        <Lines className="jp-ProdPromote-warnings" lines={r.warnings} />
        {this._options.unsaved && (
          <p className="jp-ProdPromote-savesUnsaved">
            {unsavedLine(trans, this._options.unsaved)}
          </p>
        )}
        <Drift result={r} trans={trans} />
        {this._busy && (
          <p className="jp-ProdPromote-busy">
            {trans.__('Updating the preview…')}
          </p>
        )}
        {r.typecheck.ran && (
          <p className="jp-ProdPromote-typecheck">{r.typecheck.message}</p>
        )}
        {r.typecheck.ran && (
          <TypeErrors errors={r.typecheck.errors} trans={trans} />
        )}
        <Diff
          title={trans.__('Module %1', r.module_path)}
          diff={r.module_diff}
        />
        <Diff title={trans.__('Notebook')} diff={r.notebook_diff} />
      </div>
    );
  }

  private _result: IPromoteResult;
  private _choices: UnmovedChoices;
  private _asFunction: string | null;
  private _busy = false;
  private _error = '';
  private _functionName: string;
  /** the definitions only were previewed and there are none (that choice is then disabled) */
  private _definesNothing: boolean;
}
