import { ApiError, IFinding, IStatusResult, ProdApi } from '../api';
import { CommitModel, commitFailure, gateVerdict } from '../commit';
import { FetchMock, flushPromises } from './fetchMock';

/** A finding as the server sends it: with its commit gate when it has one. */
function finding(
  check: string,
  severity: IFinding['severity'],
  commitGate?: IFinding['commit_gate']
): IFinding {
  return {
    check,
    severity,
    cell: 1,
    cell_id: 'c1',
    line: 1,
    message: `${check} here`,
    hint: '',
    fix: null,
    ...(commitGate ? { commit_gate: commitGate } : {})
  };
}

function status(
  files: IStatusResult['files'],
  log: IStatusResult['log'] = []
): IStatusResult {
  return {
    repo: '.',
    project: '.',
    branch: 'main',
    head: 'a'.repeat(40),
    detached: false,
    operation: null,
    files,
    log
  };
}

const RESULT = {
  commit: 'b'.repeat(40),
  short: 'bbbbbbb',
  branch: 'main',
  files: ['work/a.ipynb'],
  code_only: true,
  hook_output: '',
  message: 'Committed bbbbbbb on main: work/a.ipynb.',
  gate: { blocked: false, findings: [] }
};

describe('gateVerdict', () => {
  it("shows the server's commit_gate: always blocks, unless-allowed blocks until allowed", () => {
    expect(gateVerdict(null).state).toBe('unknown');
    expect(gateVerdict([finding('unused-import', 'warning')]).state).toBe('ok');
    const errors = gateVerdict([
      finding('undefined-name', 'error', 'unless-allowed'),
      finding('unused-import', 'warning')
    ]);
    expect(errors.state).toBe('findings');
    expect(errors.findings.map(f => f.check)).toEqual(['undefined-name']);
    const secrets = gateVerdict([
      finding('undefined-name', 'error', 'unless-allowed'),
      finding('secret', 'warning', 'always')
    ]);
    expect(secrets.state).toBe('secrets');
    expect(secrets.findings.map(f => f.check)).toEqual(['secret']);
  });

  it('derives nothing itself: an error without commit_gate does not block', () => {
    expect(gateVerdict([finding('secret', 'error')]).state).toBe('ok');
  });
});

describe('commitFailure', () => {
  it('maps refusals, git problems and a missing repository', () => {
    const refused = commitFailure(
      new ApiError('The pre-commit hook failed (exit 1)', 409, 'refused', {
        reason: 'hook',
        findings: [],
        output: 'line 1\n  line 2\n',
        modified: []
      })
    );
    expect(refused).toEqual(
      expect.objectContaining({
        kind: 'refused',
        reason: 'hook',
        output: 'line 1\n  line 2\n'
      })
    );
    expect(
      commitFailure(new ApiError('git does not know who you are', 409, 'git'))
    ).toEqual({ kind: 'git', message: 'git does not know who you are' });
    expect(
      commitFailure(
        new ApiError('not in a git repository', 404, 'not-found', {
          reason: 'no-repo'
        })
      ).kind
    ).toBe('no-repo');
    expect(
      commitFailure(new ApiError('No such notebook', 404, 'not-found', null))
        .kind
    ).toBe('other');
  });
});

describe('CommitModel', () => {
  let mock: FetchMock;
  let model: CommitModel;

  beforeEach(() => {
    mock = new FetchMock();
    model = new CommitModel({
      client: new ProdApi(mock.settings()),
      path: () => 'work/a.ipynb',
      codeOnly: true
    });
  });

  afterEach(() => model.dispose());

  /** The model reads a status of the notebook (work/a.ipynb) and its module (src/pkg/mod.py) in these states. */
  async function readStatus(
    notebook: IStatusResult['files'][number]['state'],
    module: IStatusResult['files'][number]['state']
  ) {
    mock.respond(
      200,
      status([
        { path: 'work/a.ipynb', state: notebook },
        { path: 'src/pkg/mod.py', state: module }
      ])
    );
    await model.refresh();
  }

  it('reads the status and ticks the changed files', async () => {
    mock.respond(
      200,
      status([
        { path: 'work/a.ipynb', state: 'modified' },
        { path: 'src/pkg/mod.py', state: 'untracked' },
        { path: 'src/pkg/other.py', state: 'clean' }
      ])
    );
    await model.refresh();
    expect(mock.requests[0].method).toBe('GET');
    expect(mock.requests[0].url).toBe(
      'http://localhost:8888/lab-base/jupyter-prod/status?path=work%2Fa.ipynb'
    );
    expect(model.isSelected('work/a.ipynb')).toBe(true);
    expect(model.isSelected('src/pkg/mod.py')).toBe(true);
    expect(model.isSelected('src/pkg/other.py')).toBe(false);
    expect(model.statusError).toBeNull();
  });

  it('commits with the server default paths when every file is ticked', async () => {
    await readStatus('modified', 'modified');
    model.message = 'Promote the loader';
    mock.respond(200, RESULT);
    mock.respond(
      200,
      status(
        [
          { path: 'work/a.ipynb', state: 'clean' },
          { path: 'src/pkg/mod.py', state: 'clean' }
        ],
        [
          {
            commit: RESULT.commit,
            short: RESULT.short,
            subject: 'Promote the loader',
            author: 'A',
            date: 'now'
          }
        ]
      )
    );
    const result = await model.commit();
    expect(result?.short).toBe('bbbbbbb');
    const post = mock.requests[1];
    expect(post.method).toBe('POST');
    expect(post.url).toBe('http://localhost:8888/lab-base/jupyter-prod/commit');
    expect(post.body).toEqual({
      path: 'work/a.ipynb',
      message: 'Promote the loader',
      code_only: true
    });
    // status and log re-read after the commit
    expect(mock.requests[2].url).toContain('/jupyter-prod/status?path=');
    expect(model.status?.log[0].subject).toBe('Promote the loader');
    expect(model.message).toBe('');
    expect(model.failure).toBeNull();
    expect(model.committing).toBe(false);
  });

  it('sends only the ticked paths, code_only off, allow_findings and init', async () => {
    await readStatus('modified', 'modified');
    model.setSelected('src/pkg/mod.py', false);
    model.codeOnly = false;
    model.message = 'Only the notebook';
    mock.respondAlways(200, RESULT);
    await model.commit({ allowFindings: true, init: true });
    expect(mock.requests[1].body).toEqual({
      path: 'work/a.ipynb',
      message: 'Only the notebook',
      code_only: false,
      paths: ['work/a.ipynb'],
      allow_findings: true,
      init: true
    });
  });

  it("sends the notebook's earlier names until a commit takes the notebook", async () => {
    let current = 'work/a.ipynb';
    const renamedModel = new CommitModel({
      client: new ProdApi(mock.settings()),
      path: () => current
    });
    renamedModel.renamed('work/old.ipynb');
    renamedModel.renamed('work/a.ipynb'); // renamed back and forth: the current name is never sent
    current = 'work/b.ipynb';
    renamedModel.message = 'Rename';
    expect(renamedModel.request().renamed_from).toEqual([
      'work/old.ipynb',
      'work/a.ipynb'
    ]);
    mock.respondAlways(200, RESULT);
    await renamedModel.commit();
    expect(mock.requests[0].body).toEqual(
      expect.objectContaining({
        path: 'work/b.ipynb',
        renamed_from: ['work/old.ipynb', 'work/a.ipynb']
      })
    );
    expect(renamedModel.request().renamed_from).toBeUndefined();
    renamedModel.dispose();
  });

  it('keeps a name the notebook left while its commit was in flight', async () => {
    let current = 'work/b.ipynb';
    const renamedModel = new CommitModel({
      client: new ProdApi(mock.settings()),
      path: () => current
    });
    renamedModel.renamed('work/a.ipynb');
    renamedModel.message = 'Rename';
    mock.respondAlways(200, RESULT);
    mock.hold = true;
    const committing = renamedModel.commit();
    await flushPromises();
    renamedModel.renamed('work/b.ipynb'); // renamed again before the answer
    current = 'work/c.ipynb';
    mock.hold = false;
    mock.release();
    await committing;
    expect(mock.requests[0].body.renamed_from).toEqual(['work/a.ipynb']);
    expect(renamedModel.request().renamed_from).toEqual(['work/b.ipynb']);
    renamedModel.dispose();
  });

  it('drops a status answer about the name the notebook had before a rename', async () => {
    let current = 'work/a.ipynb';
    const renamedModel = new CommitModel({
      client: new ProdApi(mock.settings()),
      path: () => current
    });
    mock.respond(200, status([{ path: 'work/a.ipynb', state: 'modified' }]));
    const stale = renamedModel.refresh();
    current = 'work/b.ipynb';
    await stale;
    expect(renamedModel.status).toBeNull();
    mock.respond(200, status([{ path: 'work/b.ipynb', state: 'untracked' }]));
    await renamedModel.refresh();
    expect(renamedModel.status?.files[0].path).toBe('work/b.ipynb');
    renamedModel.dispose();
  });

  it('asks the status with the earlier names, as the commit sends them', async () => {
    let current = 'work/a.ipynb';
    const renamedModel = new CommitModel({
      client: new ProdApi(mock.settings()),
      path: () => current
    });
    renamedModel.renamed('work/old name.ipynb');
    current = 'work/b.ipynb';
    mock.respond(
      200,
      status([
        {
          path: 'work/b.ipynb',
          state: 'untracked',
          renamed_from: ['work/old name.ipynb']
        }
      ])
    );
    await renamedModel.refresh();
    expect(mock.requests[0].url).toBe(
      'http://localhost:8888/lab-base/jupyter-prod/status?path=work%2Fb.ipynb&renamed_from=work%2Fold%20name.ipynb'
    );
    expect(renamedModel.status?.files[0].renamed_from).toEqual([
      'work/old name.ipynb'
    ]);
    renamedModel.dispose();
  });

  it('keeps a secret refusal with its findings, and a git problem', async () => {
    model.message = 'Add keys';
    mock.respond(409, {
      error: 'Commit refused: 1 possible secret in work/a.ipynb (cell 1)',
      kind: 'refused',
      details: {
        reason: 'secrets',
        findings: [finding('secret', 'error')],
        output: '',
        modified: []
      }
    });
    mock.respond(200, status([{ path: 'work/a.ipynb', state: 'untracked' }]));
    expect(await model.commit()).toBeNull();
    const failure = model.failure!;
    expect(failure.kind).toBe('refused');
    if (failure.kind === 'refused') {
      expect(failure.reason).toBe('secrets');
      expect(failure.findings.map(f => f.check)).toEqual(['secret']);
    }
    // the message is kept to try again
    expect(model.message).toBe('Add keys');

    mock.respond(409, {
      error:
        'git does not know who you are: run git config --global user.name "Your Name" and git config --global user.email you@example.com, then commit again.',
      kind: 'git',
      details: null
    });
    mock.respond(200, status([{ path: 'work/a.ipynb', state: 'untracked' }]));
    await model.commit();
    expect(model.failure?.kind).toBe('git');
    expect(model.failure?.message).toContain('git config --global user.email');
  });

  it('refuses an empty message without a request', async () => {
    model.message = '   ';
    expect(await model.commit()).toBeNull();
    expect(mock.requests).toHaveLength(0);
    expect(model.failure?.message).toContain('empty');
  });

  it('says why nothing is sent: no file ticked, or no file changed', async () => {
    await readStatus('modified', 'clean');
    model.setSelected('work/a.ipynb', false);
    model.message = 'Change';
    expect(await model.commit()).toBeNull();
    expect(model.failure?.message).toBe(
      'Nothing to commit: tick at least one file.'
    );

    await readStatus('clean', 'clean');
    expect(await model.commit()).toBeNull();
    expect(model.failure?.message).toBe(
      'Nothing to commit: no file changed since the last commit.'
    );
    expect(mock.requests.every(r => r.method === 'GET')).toBe(true);
  });

  it('has nothing to commit after a commit, until the notebook or a module changes', async () => {
    let dirty = false;
    const watched = new CommitModel({
      client: new ProdApi(mock.settings()),
      path: () => 'work/a.ipynb',
      codeOnly: true,
      dirty: () => dirty
    });
    expect(watched.nothingToCommit).toBe(false); // no status yet
    const clean = status([
      { path: 'work/a.ipynb', state: 'clean' },
      { path: 'src/pkg/mod.py', state: 'clean' },
      { path: 'build/out.py', state: 'ignored' }
    ]);
    mock.respond(200, clean);
    await watched.refresh();
    expect(watched.nothingToCommit).toBe(true);
    expect(watched.lists('src/pkg/mod.py')).toBe(true);
    expect(watched.lists('src/pkg/elsewhere.py')).toBe(false);
    // an unsaved edit: the commit saves it first
    let changes = 0;
    watched.changed.connect(() => (changes += 1));
    dirty = true;
    watched.dirtyChanged();
    expect(changes).toBe(1);
    expect(watched.nothingToCommit).toBe(false);
    dirty = false;
    // a module saved: modified in the next status
    const moduleSaved = clean.files.map(f =>
      f.path === 'src/pkg/mod.py' ? { ...f, state: 'modified' as const } : f
    );
    mock.respond(200, status(moduleSaved));
    await watched.refresh();
    expect(watched.nothingToCommit).toBe(false);
    // a rename the commit would record is something to commit
    mock.respond(
      200,
      status([
        {
          path: 'work/a.ipynb',
          state: 'clean',
          renamed_from: ['work/old.ipynb']
        }
      ])
    );
    await watched.refresh();
    expect(watched.nothingToCommit).toBe(false);
    // with outputs kept the status cannot tell (outputs alone read as unchanged)
    mock.respond(200, clean);
    await watched.refresh();
    watched.codeOnly = false;
    expect(watched.nothingToCommit).toBe(false);
    watched.codeOnly = true;
    // no request when there is nothing to commit
    watched.message = 'Again';
    const sent = mock.requests.length;
    expect(await watched.commit()).toBeNull();
    expect(watched.failure?.message).toBe(
      'Nothing to commit: no file changed since the last commit.'
    );
    expect(mock.requests.length).toBe(sent);
    watched.dispose();
  });

  it('keeps a status error and emits changes', async () => {
    let changes = 0;
    model.changed.connect(() => (changes += 1));
    mock.respond(404, {
      error: 'No such notebook',
      kind: 'not-found',
      details: null
    });
    expect(await model.refresh()).toBeNull();
    expect(model.statusError?.kind).toBe('not-found');
    expect(changes).toBeGreaterThanOrEqual(2);
    await flushPromises();
  });
});
