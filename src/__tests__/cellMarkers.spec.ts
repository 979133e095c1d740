import { Signal } from '@lumino/signaling';

import { CellMarkers } from '../widgets/cellMarkers';
import { codeNotebook } from './notebooks';

describe('CellMarkers', () => {
  it('stops following the cells of a closed view whose document stays open', () => {
    const notebook = codeNotebook(['import os']);
    const panel: any = {
      content: { model: notebook, widgets: [] },
      isDisposed: false
    };
    panel.disposed = new Signal<any, void>(panel);
    // what the markers read when the cells change (the report they go stale against)
    const reportReads = jest.fn(() => null);
    const model: any = {
      stateChanged: new Signal<any, void>({}),
      findings: [],
      get report() {
        return reportReads();
      }
    };
    const markers = new CellMarkers(panel, model);
    notebook.sharedModel.insertCell(1, { cell_type: 'code', source: 'x = 1' });
    const whileOpen = reportReads.mock.calls.length;
    expect(whileOpen).toBeGreaterThan(0);
    // NotebookPanel.dispose() drops its model before it emits `disposed`
    panel.content.model = null;
    panel.isDisposed = true;
    panel.disposed.emit();
    notebook.sharedModel.insertCell(2, { cell_type: 'code', source: 'y = 2' });
    expect(reportReads).toHaveBeenCalledTimes(whileOpen);
    markers.dispose();
    notebook.dispose();
  });
});
