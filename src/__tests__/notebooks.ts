import { NotebookModel } from '@jupyterlab/notebook';

/** A notebook model of code cells `c0`, `c1`, ... with these sources (the caller disposes it). */
export function codeNotebook(sources: string[]): NotebookModel {
  const model = new NotebookModel();
  model.sharedModel.insertCells(
    0,
    sources.map((source, i) => ({
      cell_type: 'code',
      id: `c${i}`,
      source,
      metadata: {}
    }))
  );
  return model;
}
