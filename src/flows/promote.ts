/**
 * The "Promote to Module" flow: ask for the module path, show the server's
 * dry run in a preview dialog (again with Force over a hand-edited module),
 * then apply exactly what the preview showed and edit the notebook as the
 * server says.
 */
import {
  Dialog,
  InputDialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { PathExt } from '@jupyterlab/coreutils';
import type {
  DocumentRegistry,
  IDocumentWidget
} from '@jupyterlab/docregistry';
import type { Notebook, NotebookPanel } from '@jupyterlab/notebook';
import type { TranslationBundle } from '@jupyterlab/translation';
import { PromiseDelegate } from '@lumino/coreutils';
import { Debouncer } from '@lumino/polling';

import { applyNotebookEdits } from '../actions';
import type { IPromoteRequest, IPromoteResult, ProdApi } from '../api';
import { notebookContent, ReadinessModel } from '../model';
import type { IUnsavedCells } from '../savedCells';
import {
  APPLY_CLASS,
  IOpeningPreview,
  IPromoteChoices,
  openingPreview,
  PromotePreview,
  Rerun,
  UnmovedChoices
} from '../widgets/PromotePreview';
import { ICommandContext, notifyError } from './context';

/**
 * Default target of a promotion: `<defaultModuleFolder>/<notebook stem>.py`;
 * without a folder, next to the notebook when its folder is an importable
 * package path, else at the project root. Module names are identifiers.
 */
export function defaultModulePath(
  notebookPath: string,
  folder: string
): string {
  const stem =
    PathExt.basename(notebookPath, PathExt.extname(notebookPath))
      .replace(/[^A-Za-z0-9_]+/g, '_')
      .replace(/^(\d)/, '_$1')
      .toLowerCase() || 'module';
  const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
  let dir = folder.trim().replace(/\/+$/, '');
  if (!dir) {
    const parent = PathExt.dirname(notebookPath);
    dir = parent.split('/').every(part => identifier.test(part)) ? parent : '';
  }
  return dir ? `${dir}/${stem}.py` : `${stem}.py`;
}

/**
 * The module the selected cells were promoted into before (the notebook's promotion ledger), so that
 * promoting them again goes to the same place by default; else the module the notebook's last
 * promotion went to, so that a second piece of the notebook joins the first (the default path
 * beside the notebook split the notebook's code into a second module the user never chose).
 */
function promotedModule(notebook: Notebook, cells: number[]): string | null {
  const ledger = notebook.model?.getMetadata('jupyter_prod') as
    { promoted?: { cell_id?: string | null; module?: string }[] } | undefined;
  const records = ledger?.promoted ?? [];
  const ids = new Set(
    cells.map(index => notebook.model?.cells.get(index)?.id).filter(Boolean)
  );
  for (const record of records) {
    if (record.cell_id && ids.has(record.cell_id) && record.module) {
      return record.module;
    }
  }
  const last = [...records].reverse().find(record => record.module);
  return last?.module ?? null;
}

/** Indexes of the selected (or active) code cells: what a promotion moves. */
function selectedCodeCells(notebook: Notebook): number[] {
  return notebook.widgets
    .map((cell, index) => ({ cell, index }))
    .filter(
      ({ cell }) =>
        cell.model.type === 'code' && notebook.isSelectedOrActive(cell)
    )
    .map(({ index }) => index);
}

/** Ask where the cells go (the ledger's module, else the default path); null when cancelled. */
async function askModulePath(
  ctx: Pick<ICommandContext, 'manager' | 'trans'>,
  panel: NotebookPanel,
  cells: number[]
): Promise<string | null> {
  const { manager, trans } = ctx;
  const asked = await InputDialog.getText({
    title: trans.__('Promote to Module'),
    label: trans.__('Module path (relative to the project root)'),
    text:
      promotedModule(panel.content, cells) ??
      defaultModulePath(
        panel.context.localPath,
        manager.settings.defaultModuleFolder
      ),
    okLabel: trans.__('Preview')
  });
  const to = asked.value?.trim();
  return asked.button.accept && to ? to : null;
}

/**
 * The preview's buttons: Force when only a hand-edited module stands in the
 * way, Promote when the preview can be applied (or a choice can make it so),
 * else just Close.
 */
function previewButtons(
  trans: TranslationBundle,
  preview: IPromoteResult,
  canForce: boolean
): ReadonlyArray<Dialog.IButton> {
  if (canForce) {
    return [
      Dialog.cancelButton(),
      Dialog.warnButton({
        label: trans.__('Force'),
        caption: trans.__(
          'Replace what the module defines under these names with the cells'
        )
      })
    ];
  }
  const canPromote = preview.ok && preview.problems.length === 0;
  if (canPromote || preview.unmoved.length > 0 || preview.function_offer) {
    return [
      Dialog.cancelButton(),
      Dialog.okButton({
        label: trans.__('Promote'),
        className: APPLY_CLASS,
        caption: trans.__('Apply exactly what the preview shows')
      })
    ];
  }
  return [Dialog.cancelButton({ label: trans.__('Close') })];
}

/**
 * Whether Force may clear the preview's refusals: a definition edited by hand
 * since it was promoted, or a module that already defines a promoted name
 * (both say "force the promotion"). The forced preview is shown before
 * anything is written.
 */
function forceMayHelp(preview: IPromoteResult): boolean {
  if (preview.ok && preview.problems.length === 0) {
    return false;
  }
  return (
    preview.drift.some(d => d.state === 'module-edited') ||
    preview.refusals.some(r => r.reason === 'module-conflict')
  );
}

/** What the user approved in the preview dialog. */
interface IApproved {
  /** the dry run the dialog showed last (its `preview_sha256` pins the promotion) */
  shown: IPromoteResult;
  unmoved: UnmovedChoices;
  asFunction: string | null;
}

/**
 * Show the dry run until the user decides: one preview, or two when the user
 * forces over a hand-edited module (`request.force` is then set). Null when
 * the preview fails, is cancelled, or cannot be applied.
 */
async function previewUntilDecided(
  trans: TranslationBundle,
  request: IPromoteRequest,
  dryRun: Rerun,
  unsaved: IUnsavedCells | null
): Promise<IApproved | null> {
  let choices: UnmovedChoices = {};
  for (;;) {
    let opening: IOpeningPreview;
    try {
      opening = await openingPreview(dryRun, choices);
    } catch (error) {
      notifyError(error);
      return null;
    }
    const preview = opening.result;
    choices = opening.unmoved;
    const canForce = forceMayHelp(preview) && !request.force;
    const body = new PromotePreview(opening, trans, dryRun, { unsaved });
    const answer = await showDialog<UnmovedChoices>({
      title: trans.__('Promote to %1', preview.module_path || request.to),
      body,
      buttons: previewButtons(trans, preview, canForce)
    });
    if (canForce && answer.button.accept) {
      request.force = true;
      continue;
    }
    const approved: IApproved = {
      shown: body.result,
      unmoved: body.getValue(),
      asFunction: body.asFunction
    };
    const ready = answer.button.accept && body.canPromote;
    body.dispose();
    return ready ? approved : null;
  }
}

/**
 * Say what was promoted, and whether the notebook was saved with it, in the
 * notification that said the promotion was under way (`busy`). The module is
 * on disk already: the notebook is saved after the edits (they stay
 * undoable), else a browser closed now left the code in both. A failed save
 * is JupyterLab's to explain (its "File Save Error" dialog); this line says
 * what it means for the promotion.
 */
function notifyPromoted(
  trans: TranslationBundle,
  busy: string,
  result: IPromoteResult,
  saved: boolean
): void {
  // the imports the moved code uses are copied, not moved (the preview lists them apart)
  const moved = result.slice.filter(s => s.kind !== 'import');
  const names = (moved.length > 0 ? moved : result.slice)
    .map(s => s.name)
    .join(', ');
  if (saved) {
    Notification.update({
      id: busy,
      message: trans.__('Promoted %1 to %2.', names, result.module_path),
      type: 'success',
      autoClose: 5000
    });
    return;
  }
  Notification.update({
    id: busy,
    message: trans.__(
      'Promoted %1 to %2, but the notebook was not saved: save it, or its cells keep the promoted code on disk.',
      names,
      result.module_path
    ),
    type: 'warning',
    autoClose: false
  });
}

/**
 * How the notebook is saved after a promotion: by us (`save`), by the
 * collaborative document itself (`collaborative`, RTC: our save would be a
 * "File Save Error"), or not at all (`read-only`: Promote is refused before
 * anything is written, else the module held code the notebook kept too).
 */
export type NotebookSaving = 'save' | 'collaborative' | 'read-only';

export function notebookSaving(
  context: Pick<DocumentRegistry.Context, 'canSave'> & {
    model: Pick<DocumentRegistry.Context['model'], 'collaborative'>;
  }
): NotebookSaving {
  if (context.canSave) {
    return 'save';
  }
  return context.model.collaborative ? 'collaborative' : 'read-only';
}

/**
 * Promote exactly what the preview showed (refused if the notebook or the
 * module changed since), then apply the server's notebook edits and save it
 * (a collaborative document saves itself). A notification says the promotion
 * is under way until the notebook is saved, then what was done.
 */
async function applyPromotion(
  ctx: Pick<ICommandContext, 'app' | 'trans'>,
  panel: NotebookPanel,
  request: IPromoteRequest,
  approved: IApproved,
  promote: (request: IPromoteRequest) => Promise<IPromoteResult>
): Promise<IPromoteResult | null> {
  const { trans } = ctx;
  const busy = Notification.emit(
    trans.__('Promoting to %1…', approved.shown.module_path || request.to),
    'in-progress',
    { autoClose: false }
  );
  try {
    const result = await promote({
      ...request,
      notebook: notebookContent(panel) ?? undefined,
      unmoved: approved.unmoved,
      as_function: approved.asFunction ?? undefined,
      expect: approved.shown.preview_sha256,
      dry_run: false
    });
    if (!result.ok) {
      Notification.dismiss(busy);
      Notification.error(
        result.problems[0] ?? trans.__('The promotion was refused.'),
        { autoClose: 10000 }
      );
      return result;
    }
    const model = panel.content.model;
    if (model) {
      applyNotebookEdits(model, result.notebook_edits);
    }
    const saved =
      notebookSaving(panel.context) === 'collaborative' ||
      (await saveNotebook(ctx.app, panel));
    notifyPromoted(trans, busy, result, saved);
    return result;
  } catch (error) {
    Notification.dismiss(busy);
    notifyError(error);
    return null;
  }
}

/** JupyterLab's Save command (Ctrl+S, File > Save Notebook). */
const SAVE_COMMAND = 'docmanager:save';

/**
 * Save the notebook after Promote's edits as Ctrl+S does: through
 * JupyterLab's Save command. Two saves of one document at once race (the
 * second finds the file the first wrote and opens "File Changed"), and
 * `context.save()` does not wait for one in flight; the command does not
 * start a save while one of its own runs, so a Ctrl+S pressed while ours is
 * in flight does nothing. When a Ctrl+S was first (ours was skipped), its
 * save may not hold the edits: ours runs again once it ended. The command
 * saves the current tab and asks an untitled notebook for a name: for
 * those, the document is saved directly. False when the notebook was not
 * saved (JupyterLab has said why, or the user cancelled "File Changed").
 */
export async function saveNotebook(
  app: Pick<JupyterFrontEnd, 'commands' | 'shell'>,
  panel: NotebookPanel
): Promise<boolean> {
  const context = panel.context;
  if (app.shell.currentWidget !== panel || panel.isUntitled) {
    return saveAll([context]);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    const ran = await saveByCommand(app.commands, context);
    if (ran !== 'skipped') {
      return ran === 'saved';
    }
    await saveEnded(context);
  }
  return saveAll([context]);
}

/**
 * Run the Save command on the current tab (the notebook): `skipped` when the
 * command found a save of its own in flight (no save started).
 */
async function saveByCommand(
  commands: JupyterFrontEnd['commands'],
  context: DocumentRegistry.Context
): Promise<'saved' | 'unsaved' | 'skipped'> {
  let started = false;
  const onState = (_: unknown, state: DocumentRegistry.SaveState) => {
    started = started || state === 'started';
  };
  context.saveState.connect(onState);
  try {
    await commands.execute(SAVE_COMMAND);
  } catch {
    // JupyterLab showed the failed save in its own dialog
    return 'unsaved';
  } finally {
    context.saveState.disconnect(onState);
  }
  if (!started) {
    return 'skipped';
  }
  // Cancel in "File Changed" leaves the edits unsaved (the model dirty)
  return context.model.dirty ? 'unsaved' : 'saved';
}

/**
 * Resolves when the save in flight ends, or after 10 s: a save whose "File
 * Changed" dialog the user cancels never says it ended.
 */
async function saveEnded(context: DocumentRegistry.Context): Promise<void> {
  const ended = new PromiseDelegate<void>();
  const onState = (_: unknown, state: DocumentRegistry.SaveState) => {
    if (state !== 'started') {
      ended.resolve();
    }
  };
  const bound = new Debouncer(() => ended.resolve(), 10000);
  context.saveState.connect(onState);
  void bound.invoke();
  await ended.promise; // resolved only, never rejected
  bound.dispose();
  context.saveState.disconnect(onState);
}

/**
 * A project file's path from the server root: the server names promoted
 * files relative to the project root (`project`, from the git status; `.`
 * for the server root).
 */
export function serverPath(project: string, rel: string): string {
  return PathExt.normalize(PathExt.join(project, rel.replace(/\\/g, '/')));
}

/**
 * The open documents (one context per file, whatever its tabs) of files of
 * the notebook's project, by their exact paths: an open `other/utils.py` is
 * never taken for the `utils.py` of `pkg/`, nor of the project root.
 */
function openProjectFiles(
  app: JupyterFrontEnd,
  project: string,
  projectPaths: ReadonlyArray<string>
): DocumentRegistry.Context[] {
  const wanted = new Set(projectPaths.map(p => serverPath(project, p)));
  const found = new Set<DocumentRegistry.Context>();
  for (const widget of app.shell.widgets('main')) {
    // any document widget (notebook, editor, ...) has its context
    const context = (widget as unknown as Partial<IDocumentWidget>).context;
    if (context && wanted.has(PathExt.normalize(context.localPath))) {
      found.add(context);
    }
  }
  return [...found];
}

/**
 * The notebook's project root from the server root (what the module path is
 * relative to); `null`, said in a notification, when the server cannot say:
 * guessing (the server root) would miss the module's open editor, and its
 * unsaved edits would later overwrite the promotion.
 */
async function projectOf(
  api: Pick<ProdApi, 'status'>,
  notebookPath: string
): Promise<string | null> {
  try {
    return (await api.status(notebookPath)).project;
  } catch (error) {
    notifyError(error);
    return null;
  }
}

/**
 * Save the target module first when it is open with unsaved changes (after
 * asking): the promotion reads and writes the file on disk, so unsaved edits
 * would be neither kept in the module nor safe in the editor (saving them
 * afterwards overwrites the promotion, reverting drops them). False when the
 * user cancels or the save fails.
 */
async function saveOpenModule(
  ctx: Pick<ICommandContext, 'app' | 'trans'>,
  project: string,
  modulePath: string
): Promise<boolean> {
  const { trans } = ctx;
  const dirty = openProjectFiles(ctx.app, project, [modulePath]).filter(
    context => context.model.dirty
  );
  if (dirty.length === 0) {
    return true;
  }
  const answer = await showDialog({
    title: trans.__('Unsaved changes in %1', modulePath),
    body: trans.__(
      '%1 is open with unsaved changes. The promotion reads and writes the file on disk: save your changes first so the module keeps them.',
      modulePath
    ),
    buttons: [
      Dialog.cancelButton(),
      Dialog.okButton({ label: trans.__('Save and Preview') })
    ]
  });
  if (!answer.button.accept) {
    return false;
  }
  return saveAll(dirty);
}

/**
 * Save open files in turn; false when one was not saved. Nothing is shown
 * here: JupyterLab shows a failed save in its own dialog, and Cancel in its
 * "File Changed" dialog (a `ModalCancelError`) is the user's choice.
 */
export async function saveAll(
  contexts: ReadonlyArray<Pick<DocumentRegistry.Context, 'save'>>
): Promise<boolean> {
  try {
    for (const context of contexts) {
      await context.save();
    }
  } catch {
    return false;
  }
  return true;
}

/**
 * Show the files the promotion wrote in their open tabs: a tab without
 * unsaved changes reloads from disk (else it shows the module as it was, and
 * saving it would undo the promotion); one changed while the preview was
 * open is left to the user, with a warning.
 */
async function reloadWrittenFiles(
  ctx: Pick<ICommandContext, 'app' | 'trans'>,
  project: string,
  written: ReadonlyArray<string>
): Promise<void> {
  for (const context of openProjectFiles(ctx.app, project, written)) {
    if (context.model.dirty) {
      Notification.warning(
        ctx.trans.__(
          '%1 changed on disk (the promotion) while it had unsaved changes here: reload it from disk, or save it to keep your version over the promotion.',
          context.localPath
        ),
        { autoClose: false }
      );
      continue;
    }
    try {
      await context.revert();
    } catch (error) {
      notifyError(error);
    }
  }
}

/**
 * Start the notebook's type check while the user gives the module path, unless one ran already.
 *
 * The preview's mypy run goes beside the notebook's on the project's warm mypy daemon, so a daemon
 * that has loaded the notebook's imports answers it in a fraction of a second; without one the
 * preview waits for a cold build of every library the module imports (IPython: 5 s). Its answer
 * updates the Readiness panel like any type check; a failure is the preview's to report.
 */
export function warmTypeCheck(
  model: Pick<ReadinessModel, 'report' | 'check'>
): void {
  if (!(model.report?.summary?.checks_run ?? []).includes('type-error')) {
    model.check(['type-error']).catch(() => undefined);
  }
}

/**
 * The cell changes Promote's save writes besides its own edits; null when
 * none (a notebook the kernel made dirty only). Without the notebook's saved
 * cells (no `unsavedCells`), any dirty notebook has some, not named.
 */
export function unsavedChanges(
  model: Pick<ReadinessModel, 'source'>,
  dirty: boolean
): IUnsavedCells | null {
  if (model.source.unsavedCells) {
    return model.source.unsavedCells();
  }
  return dirty ? { edited: [], added: 0, deleted: 0, moved: false } : null;
}

/**
 * Promote the selected code cells of a notebook: module path, preview, apply.
 * Resolves with the server's answer (null when nothing was sent or it failed).
 */
export async function promoteCells(
  ctx: Pick<ICommandContext, 'app' | 'manager' | 'trans'>,
  panel: NotebookPanel,
  model: ReadinessModel
): Promise<IPromoteResult | null> {
  const { manager, trans } = ctx;
  const cells = selectedCodeCells(panel.content);
  if (cells.length === 0) {
    Notification.info(
      trans.__(
        'Select the code cells to promote (click one, Shift+click to add more), then Promote again.'
      ),
      { autoClose: 8000 }
    );
    return null;
  }
  if (notebookSaving(panel.context) === 'read-only') {
    Notification.error(
      trans.__(
        "%1 can't be saved (read-only), and Promote saves it: make it writable, or Save Notebook As… and promote the copy.",
        PathExt.basename(panel.context.localPath)
      ),
      { autoClose: false }
    );
    return null;
  }
  warmTypeCheck(model);
  const to = await askModulePath(ctx, panel, cells);
  const project = to
    ? await projectOf(manager.api, panel.context.localPath)
    : null;
  if (!to || project === null || !(await saveOpenModule(ctx, project, to))) {
    return null;
  }
  const request: IPromoteRequest = { path: panel.context.localPath, cells, to };
  // the dry run with the user's choices: the dialog re-runs it when a choice changes
  const dryRun = (choices: IPromoteChoices): Promise<IPromoteResult> =>
    manager.api.promote({
      ...request,
      notebook: notebookContent(panel) ?? undefined,
      unmoved: choices.unmoved,
      as_function: choices.asFunction ?? undefined,
      dry_run: true
    });
  // Promote saves the notebook: cell changes made before it are saved with it, which the preview
  // says (not what the kernel wrote into the metadata when it started: nobody made that change)
  const unsaved =
    notebookSaving(panel.context) === 'save'
      ? unsavedChanges(model, panel.context.model.dirty)
      : null;
  const approved = await previewUntilDecided(trans, request, dryRun, unsaved);
  if (!approved) {
    return null;
  }
  const result = await applyPromotion(ctx, panel, request, approved, r =>
    manager.api.promote(r)
  );
  if (result?.ok) {
    model.schedule(0);
    await reloadWrittenFiles(ctx, project, result.written);
  }
  return result;
}
