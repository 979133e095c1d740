/**
 * Reports as the panel holds them: a new answer merged into the one held
 * (a fast check keeps the slow checks' last findings), and a waiver written
 * in a cell applied to those kept findings without running the slow check.
 *
 * Pure functions of reports, so the model and the views share them.
 */
import type { ChecksSelection, IFinding, IReport, Severity } from './api';

/** Count findings by severity. */
export function countBySeverity(
  findings: ReadonlyArray<IFinding>
): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) {
    if (f.severity in counts) {
      counts[f.severity] += 1;
    }
  }
  return counts;
}

/**
 * What a finding of each severity costs, and how many findings of one check
 * count at most: the server's score (`jupyter_prod_ext/checks/score.py`;
 * both are tested on the cases of `tests/data/score_cases.json`).
 */
export const SCORE_WEIGHTS: Readonly<Record<Severity, number>> = {
  error: 0.8,
  warning: 0.93,
  info: 0.99
};
export const SCORE_PER_CHECK_CAP = 3;

/**
 * The readiness score of `findings`, as the server computes it: a merged
 * report holds findings of two answers (a fast check's and the slow checks'
 * kept ones), whose own scores each covered only part of them; the panel
 * showed the fast check's score beside the kept type errors and black
 * findings, so the score jumped up at every keystroke after a save.
 */
export function scoreOf(findings: ReadonlyArray<IFinding>): number {
  const counts = new Map<string, { severity: Severity; n: number }>();
  for (const f of findings) {
    const key = JSON.stringify([f.check, f.severity]);
    const count = counts.get(key) ?? { severity: f.severity, n: 0 };
    count.n += 1;
    counts.set(key, count);
  }
  let value = 100;
  for (const { severity, n } of counts.values()) {
    value *= (SCORE_WEIGHTS[severity] ?? 1) ** Math.min(n, SCORE_PER_CHECK_CAP);
  }
  return Math.max(0, Math.min(100, roundScore(value)));
}

/**
 * `value` to the nearest integer, a tie (x.5) up: the server rounds the
 * score so too (score.py `round_half_up`; Python's `round` takes a tie to
 * the even integer).
 */
export function roundScore(value: number): number {
  return Math.round(value);
}

/**
 * Merge a new report into the previous one.
 *
 * A fast check does not run the slow checks (mypy): their findings and
 * waivers from the last full check are kept until a full check runs again, so
 * a type error found on save does not vanish at the next keystroke, nor does
 * a waived one leave the Waived group.
 */
export function mergeReports(
  previous: IReport | null,
  next: IReport,
  requested: ChecksSelection
): IReport {
  const ran = next.summary?.checks_run;
  if (!previous || requested === 'all' || !Array.isArray(ran)) {
    return next;
  }
  if (previous.path !== next.path) {
    return next;
  }
  const rerun = new Set(ran);
  if (Array.isArray(requested)) {
    requested.forEach(id => rerun.add(id));
  }
  const notRerun = (f: IFinding) => !rerun.has(f.check);
  const kept = previous.findings.filter(notRerun);
  const keptWaived = (previous.waived ?? []).filter(notRerun);
  if (kept.length === 0 && keptWaived.length === 0) {
    return next;
  }
  const findings = byPlace([...next.findings, ...kept]);
  const waived = byPlace([...(next.waived ?? []), ...keptWaived]);
  const checksRun = Array.from(
    new Set([...(previous.summary?.checks_run ?? []), ...ran])
  );
  return {
    ...next,
    // each answer's score covered only the checks it ran: the score of what is shown
    score: scoreOf(findings),
    findings,
    waived,
    summary: {
      ...recount(next.summary, findings, waived),
      checks_run: checksRun
    }
  };
}

/** Where a waiver was written: the cell of a finding (its id, else its index). */
export type WaiverPlace = Pick<IFinding, 'cell' | 'cell_id'>;

/**
 * The report once the checks `checks` are waived in the cell of `place`:
 * their findings there move to `waived`, without `commit_gate` (a waived
 * finding gates nothing), as the server splits them. For the slow checks,
 * whose last findings a fast check keeps: a waiver only hides a finding, so
 * mypy need not run again to hide it; the score is that of what is left.
 */
export function hideWaived(
  report: IReport,
  checks: ReadonlyArray<string>,
  place: WaiverPlace
): IReport {
  const inCell = (f: IFinding) =>
    place.cell_id ? f.cell_id === place.cell_id : f.cell === place.cell;
  const hidden = (f: IFinding) => checks.includes(f.check) && inCell(f);
  const moved = report.findings.filter(hidden);
  if (moved.length === 0) {
    return report;
  }
  const findings = report.findings.filter(f => !hidden(f));
  const waived = byPlace([
    ...(report.waived ?? []),
    ...moved.map(({ commit_gate: _gate, ...rest }) => rest)
  ]);
  return {
    ...report,
    score: scoreOf(findings),
    findings,
    waived,
    summary: recount(report.summary, findings, waived)
  };
}

/** `summary` with its counts taken from `findings` and `waived`. */
function recount(
  summary: IReport['summary'],
  findings: ReadonlyArray<IFinding>,
  waived: ReadonlyArray<IFinding>
): IReport['summary'] {
  const counts = countBySeverity(findings);
  return {
    ...summary,
    errors: counts.error,
    warnings: counts.warning,
    infos: counts.info,
    waived: waived.length
  };
}

/** Findings in notebook order (cell, then line). */
function byPlace(findings: IFinding[]): IFinding[] {
  return findings.sort(
    (a, b) => (a.cell ?? -1) - (b.cell ?? -1) || (a.line ?? 0) - (b.line ?? 0)
  );
}
