/**
 * The module graph of src/ (type-only imports included): no import cycles,
 * and the concrete `ReadinessManager` is imported only where it is built
 * (index.ts); every other module types the manager by its token interface
 * `IReadinessManager` (tokens.ts).
 */
import * as ts from 'typescript';

declare const require: (id: string) => any;
declare const __dirname: string;

interface INodeParts {
  fs: {
    readFileSync(path: string, encoding: 'utf8'): string;
    readdirSync(
      path: string,
      options: { withFileTypes: true }
    ): { name: string; isDirectory(): boolean }[];
  };
  path: {
    resolve(...parts: string[]): string;
    join(...parts: string[]): string;
    dirname(path: string): string;
    relative(from: string, to: string): string;
  };
}

/** node's modules, typed as far as this test uses them (the project compiles without node's types). */
const { fs, path }: INodeParts = { fs: require('fs'), path: require('path') };

const SRC = path.resolve(__dirname, '..');

/** Every module of src/ (tests excluded), relative to src/. */
function modules(dir = SRC): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__tests__') {
        found.push(...modules(full));
      }
    } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      found.push(path.relative(SRC, full));
    }
  }
  return found;
}

/** The modules of src/ that `file` imports (relative specifiers resolved). */
function importsOf(file: string, known: Set<string>): string[] {
  const text = fs.readFileSync(path.join(SRC, file), 'utf8');
  return (
    ts
      .preProcessFile(text, true, true)
      .importedFiles.map(ref => ref.fileName)
      // data (version.ts reads ../package.json) imports nothing back
      .filter(spec => spec.startsWith('.') && !spec.endsWith('.json'))
      .map(spec => path.join(path.dirname(file), spec))
      .map(
        base =>
          [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find(candidate =>
            known.has(candidate)
          ) ?? `${base} (unresolved)`
      )
  );
}

function graph(): Map<string, string[]> {
  const files = modules();
  const known = new Set(files);
  return new Map(files.map(file => [file, importsOf(file, known)]));
}

/** Each cycle once, as the path that closes it. */
function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const visit = (node: string, stack: string[]) => {
    const at = stack.indexOf(node);
    if (at >= 0) {
      found.push([...stack.slice(at), node]);
      return;
    }
    if (done.has(node)) {
      return;
    }
    for (const next of edges.get(node) ?? []) {
      visit(next, [...stack, node]);
    }
    done.add(node);
  };
  for (const node of edges.keys()) {
    visit(node, []);
  }
  return found;
}

describe('the module graph of src/', () => {
  const edges = graph();

  it('resolves every relative import', () => {
    const unresolved = ([] as string[])
      .concat(...edges.values())
      .filter(target => target.endsWith('(unresolved)'));
    expect(unresolved).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const looped = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']]
    ]);
    expect(cycles(looped)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });

  it('imports the concrete manager only where it is built', () => {
    const importers = [...edges.entries()]
      .filter(([, targets]) => targets.includes('manager.ts'))
      .map(([file]) => file);
    expect(importers).toEqual(['index.ts']);
  });
});
