import { IPromoteResult, ProdApi } from '../api';
import { IPromoteChoices, openingPreview } from '../widgets/PromotePreview';
import { FetchMock } from './fetchMock';

/** A dry run's answer: nothing to change, unless `over` says otherwise. */
function dryRun(over: Partial<IPromoteResult>): IPromoteResult {
  return {
    version: 1,
    ok: true,
    dry_run: true,
    module_path: 'stats.py',
    module_source: '',
    module_diff: '',
    notebook_diff: '',
    notebook_edits: [],
    slice: [],
    unmoved: [],
    typecheck: { ran: false, message: '', errors: [] },
    problems: [],
    refusals: [],
    warnings: [],
    drift: [],
    tests_path: null,
    untested: [],
    written: [],
    preview_sha256: 'sha',
    function_offer: null,
    ...over
  };
}

const NOTHING = 'Cell 2 defines no function, class or constant.';

describe('openingPreview', () => {
  let mock: FetchMock;
  let rerun: (choices: IPromoteChoices) => Promise<IPromoteResult>;

  beforeEach(() => {
    mock = new FetchMock();
    const api = new ProdApi(mock.settings());
    rerun = choices =>
      api.promote({
        path: 'a.ipynb',
        cells: [1],
        to: 'stats.py',
        unmoved: choices.unmoved,
        as_function: choices.asFunction ?? undefined,
        dry_run: true
      });
  });

  it('opens on a function of cells that hold statements only', async () => {
    mock
      .respond(
        200,
        dryRun({
          ok: false,
          problems: [NOTHING],
          refusals: [{ reason: 'nothing-to-promote', message: NOTHING }],
          function_offer: 'cell_2'
        })
      )
      .respond(200, dryRun({ module_diff: '+def cell_2():' }));
    const opening = await openingPreview(rerun, {});
    expect(opening.asFunction).toBe('cell_2');
    expect(opening.definesNothing).toBe(true);
    expect(opening.result.module_diff).toBe('+def cell_2():');
    expect(mock.requests.map(r => r.body.as_function)).toEqual([
      undefined,
      'cell_2'
    ]);
  });

  it('opens on the definitions-only preview when the function preview fails', async () => {
    const refused = dryRun({
      ok: false,
      problems: [NOTHING],
      refusals: [{ reason: 'nothing-to-promote', message: NOTHING }],
      function_offer: 'cell_2'
    });
    mock
      .respond(200, refused)
      .respond(503, { message: 'The server is busy; try again.' });
    const opening = await openingPreview(rerun, {});
    expect(opening.asFunction).toBeNull();
    expect(opening.definesNothing).toBe(true);
    expect(opening.result.problems).toEqual([NOTHING]);
    expect(opening.result.function_offer).toBe('cell_2');
    expect(mock.requests.map(r => r.body.as_function)).toEqual([
      undefined,
      'cell_2'
    ]);
  });

  it('opens on the definitions only when the cells define something', async () => {
    mock.respond(200, dryRun({ function_offer: 'cell_2' }));
    const opening = await openingPreview(rerun, {});
    expect(opening.asFunction).toBeNull();
    expect(opening.definesNothing).toBe(false);
    expect(mock.requests).toHaveLength(1);
  });

  it('shows the refusal when no function is offered', async () => {
    mock.respond(
      200,
      dryRun({
        ok: false,
        problems: [NOTHING],
        refusals: [{ reason: 'nothing-to-promote', message: NOTHING }]
      })
    );
    const opening = await openingPreview(rerun, {});
    expect(opening.asFunction).toBeNull();
    expect(opening.result.problems).toEqual([NOTHING]);
    expect(mock.requests).toHaveLength(1);
  });
});
