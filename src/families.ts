/**
 * How the panel groups findings: by the `family` each finding carries (the
 * server takes it from its check registry), in a fixed display order, with
 * translated labels. A finding without a known family goes under "Other".
 */
import type { TranslationBundle } from '@jupyterlab/translation';

import type { IFinding } from './api';
import type { Family as CheckFamily } from './wire';

/** The families of the check registry (wire.py), and "other" for a finding without one. */
export type Family = CheckFamily | 'other';

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

function isFamily(name: string): name is Family {
  return (FAMILY_ORDER as ReadonlyArray<string>).includes(name);
}

/** The family a finding is shown under. */
export function familyOf(finding: Pick<IFinding, 'family'>): Family {
  const family = finding.family;
  return family && isFamily(family) ? family : 'other';
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
