/**
 * The committed TypeScript side of the wire contract is what the generator
 * makes from the committed schema (tests/test_wire.py holds the schema to
 * jupyter_prod_ext/wire.py): a stale src/wire.ts fails here.
 *
 * The generator runs in its own node process: prettier, which formats its
 * output, cannot be loaded inside jest's module sandbox.
 */
declare const require: (id: string) => any;

interface INodeParts {
  fs: {
    readFileSync(path: string, encoding: 'utf8'): string;
    writeFileSync(path: string, text: string): void;
    mkdtempSync(prefix: string): string;
  };
  execFileSync(file: string, args: string[], options: object): string;
  tmpdir(): string;
  execPath: string;
}

/** node's modules, typed as far as this test uses them (the project compiles without node's types). */
const node: INodeParts = {
  fs: require('fs'),
  execFileSync: require('child_process').execFileSync,
  tmpdir: require('os').tmpdir,
  execPath: require('process').execPath
};

/** What `jlpm build:wire` makes, from the committed schema or from `schemaText`. */
function generated(schemaText?: string): string {
  const args = ['scripts/wire-ts.js', '--out', '-'];
  if (schemaText !== undefined) {
    const dir = node.fs.mkdtempSync(`${node.tmpdir()}/wire-`);
    node.fs.writeFileSync(`${dir}/wire.json`, schemaText);
    args.push('--schema', `${dir}/wire.json`);
  }
  return node.execFileSync(node.execPath, args, {
    encoding: 'utf8',
    timeout: 60000
  });
}

const COMMITTED = (): string => node.fs.readFileSync('src/wire.ts', 'utf8');

describe('src/wire.ts', () => {
  it('is what `jlpm build:wire` generates from docs/api/wire.json', () => {
    if (generated() !== COMMITTED()) {
      throw new Error(
        'src/wire.ts is stale: run `jlpm build:wire` and commit it'
      );
    }
  });

  it('differs from what a changed schema generates', () => {
    const schema = JSON.parse(
      node.fs.readFileSync('docs/api/wire.json', 'utf8')
    );
    schema.$defs.VersionDict.properties.extra = { type: 'string' };
    const changed = generated(JSON.stringify(schema));
    expect(changed).toContain('extra?: string;');
    expect(changed).not.toEqual(COMMITTED());
  });
});
