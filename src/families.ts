/**
 * Check families (`FAMILIES` of jupyter_prod_ext/checks/registry.py). The server reports check
 * ids only; the panel groups them by family with this table and, for ids it
 * does not know, by keywords, then under "Other".
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IFinding } from './api';

export type Family =
  | 'execution'
  | 'dataflow'
  | 'structure'
  | 'portability'
  | 'security'
  | 'hygiene'
  | 'quality'
  | 'vcs'
  | 'other';

export const FAMILY_ORDER: ReadonlyArray<Family> = [
  'execution',
  'dataflow',
  'security',
  'portability',
  'structure',
  'hygiene',
  'quality',
  'vcs',
  'other'
];

/**
 * Label of a family in the user's language. One literal `trans.__` call per
 * label, so that translation tools can extract them.
 */
export function familyLabel(trans: TranslationBundle, family: Family): string {
  switch (family) {
    case 'execution':
      return trans.__('Execution');
    case 'dataflow':
      return trans.__('Data flow');
    case 'structure':
      return trans.__('Structure');
    case 'portability':
      return trans.__('Portability');
    case 'security':
      return trans.__('Security');
    case 'hygiene':
      return trans.__('Hygiene');
    case 'quality':
      return trans.__('Code quality');
    case 'vcs':
      return trans.__('Version control');
    case 'other':
      return trans.__('Other');
  }
}

/** The registry of jupyter_prod_ext/checks (check id -> family). */
const KNOWN: { [check: string]: Family } = {
  'undefined-name': 'dataflow',
  'use-before-definition': 'dataflow',
  'star-import': 'dataflow',
  'unused-import': 'dataflow',
  'unused-definition': 'dataflow',
  'redefined-name': 'dataflow',
  'invalid-syntax': 'execution',
  'out-of-order-execution': 'execution',
  'skipped-execution-count': 'execution',
  'non-executed-cell': 'execution',
  'never-executed': 'execution',
  'error-output': 'execution',
  'large-output': 'hygiene',
  'outputs-present': 'hygiene',
  'ipython-magic': 'portability',
  'absolute-path': 'portability',
  'unseeded-randomness': 'portability',
  'missing-dependency': 'portability',
  'non-portable-name': 'portability',
  'not-black-formatted': 'quality',
  'type-error': 'quality',
  secret: 'security',
  'imports-not-at-top': 'structure',
  'cell-too-long': 'structure',
  'notebook-too-long': 'structure',
  'top-level-code': 'structure',
  'empty-cell': 'structure',
  'missing-title': 'structure',
  'not-in-git': 'vcs',
  'uncommitted-changes': 'vcs'
};

const KEYWORDS: [RegExp, Family][] = [
  [/secret|token|password|credential|key/, 'security'],
  [/order|exec|output|kernel|run|stale/, 'execution'],
  [/name|define|import|unused|state|global/, 'dataflow'],
  [/path|magic|shell|platform|depend|env/, 'portability'],
  [/type|format|black|syntax|lint|style|complex/, 'quality'],
  [/cell|function|module|structure|length|long/, 'structure'],
  [/output|clear|metadata|trust|width/, 'hygiene'],
  [/git|commit|vcs|ignore/, 'vcs']
];

function isFamily(name: string): name is Family {
  return (FAMILY_ORDER as ReadonlyArray<string>).includes(name);
}

/** The family of a check id (or of a finding carrying an explicit one). */
export function familyOf(
  finding: Pick<IFinding, 'check'> & { family?: string }
): Family {
  const explicit = finding.family;
  if (explicit && isFamily(explicit)) {
    return explicit;
  }
  const id = finding.check;
  const family = KNOWN[id];
  if (family) {
    return family;
  }
  // `family/check` or `family:check` ids
  const prefix = id.split(/[/:.]/)[0];
  if (prefix !== id && isFamily(prefix)) {
    return prefix;
  }
  for (const [pattern, fam] of KEYWORDS) {
    if (pattern.test(id)) {
      return fam;
    }
  }
  return 'other';
}

/** Group findings by family, in display order, skipping empty families. */
export function groupByFamily(
  findings: ReadonlyArray<IFinding>
): { family: Family; findings: IFinding[] }[] {
  const groups = new Map<Family, IFinding[]>();
  for (const f of findings) {
    const fam = familyOf(f);
    const list = groups.get(fam) ?? [];
    list.push(f);
    groups.set(fam, list);
  }
  return FAMILY_ORDER.filter(f => groups.has(f)).map(family => ({
    family,
    findings: groups.get(family)!
  }));
}
