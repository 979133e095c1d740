/**
 * The commit flow: save the notebook (the server commits the file on disk),
 * then commit it through the notebook's `CommitModel`. The panel shows a
 * refusal or a git problem; a success is also a notification with the short
 * sha and the subject.
 */
import { Notification } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';

import type { IStatusResult } from '../api';
import type { ReadinessModel } from '../model';
import { ICommandContext, notifyError } from './context';

/** First line of a commit message (what `git log --oneline` shows). */
export function subjectOf(message: string): string {
  return (
    message
      .split('\n')
      .map(line => line.trim())
      .find(line => line.length > 0) ?? ''
  );
}

/** Save, then commit; resolves with the new commit's sha, or null when nothing was committed. */
export async function commitNotebook(
  ctx: Pick<ICommandContext, 'manager' | 'trans'>,
  panel: NotebookPanel,
  model: ReadinessModel,
  options: { allowFindings?: boolean; init?: boolean } = {}
): Promise<string | null> {
  const { manager, trans } = ctx;
  const commit = manager.commitFor(model);
  if (!commit || commit.committing) {
    return null;
  }
  if (!commit.message.trim()) {
    Notification.warning(trans.__('Write a commit message first.'), {
      autoClose: 4000
    });
    return null;
  }
  try {
    await panel.context.save();
  } catch (error) {
    notifyError(error);
    return null;
  }
  // the save may have changed the file: tick it as the status now says, not as it was before the save
  await commit.refresh();
  const subject = subjectOf(commit.message);
  const renamed = renamesCommitted(commit);
  const result = await commit.commit(options);
  if (result) {
    Notification.success(
      renamed.length
        ? trans.__(
            'Committed %1: %2 (renamed from %3)',
            result.short,
            subject,
            renamed.join(', ')
          )
        : trans.__('Committed %1: %2', result.short, subject),
      { autoClose: 6000 }
    );
    return result.commit;
  }
  return null;
}

/** The old names a commit records as renames: those of the ticked files, as the status previews them. */
function renamesCommitted(commit: {
  status: IStatusResult | null;
  isSelected(path: string): boolean;
}): string[] {
  const names: string[] = [];
  for (const file of commit.status?.files ?? []) {
    if (commit.isSelected(file.path)) {
      names.push(...(file.renamed_from ?? []));
    }
  }
  return names;
}

/** Open the panel on its commit section and read the git status again. */
export function showCommit(
  ctx: Pick<ICommandContext, 'manager' | 'showSection'>,
  model: ReadinessModel | null
): void {
  ctx.showSection('commit');
  if (model) {
    void ctx.manager.commitFor(model)?.refresh();
  }
}
