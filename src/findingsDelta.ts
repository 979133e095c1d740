/**
 * The client side of findings deltas, the answer's mirror of the delta
 * request (docs/API.md "Findings deltas"): the server answers a keystroke
 * with ranges of the report the client holds plus the findings that are new,
 * a few hundred bytes instead of the whole list, and the panel rebuilds the
 * list from the same finding objects (its rows' keys and memos stay).
 */
import type { IFinding, IReport, IReportDelta } from './wire';
/**
 * The findings a delta describes: each `[start, stop]` item copies the base
 * list's findings `start` to `stop - 1` (the same objects, so the views'
 * keys and memos stay), any other item is a new finding. `null` when a range
 * is not inside the base list (the caller asks for the full report).
 */
export function applyFindingsDelta(
  base: ReadonlyArray<IFinding>,
  items: ReadonlyArray<number[] | IFinding>
): IFinding[] | null {
  const out: IFinding[] = [];
  for (const item of items) {
    if (!Array.isArray(item)) {
      out.push(item);
      continue;
    }
    const [start, stop] = item;
    if (
      item.length !== 2 ||
      !Number.isInteger(start) ||
      !Number.isInteger(stop) ||
      start < 0 ||
      start >= stop ||
      stop > base.length
    ) {
      return null;
    }
    for (let i = start; i < stop; i++) {
      out.push(base[i]);
    }
  }
  return out;
}

export function isReportDelta(value: unknown): value is IReportDelta {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as IReportDelta).findings_base === 'string' &&
    Array.isArray((value as IReportDelta).findings_delta)
  );
}

/** Reports the client keeps by id: the server keeps two per notebook, one more here. */
const REPORTS_HELD = 3;

/**
 * The server's last reports of one notebook, by `report_id`: the bases a
 * findings delta may name. A delta is applied only to the report whose id it
 * names, so an answer that arrives late, or one the model drops, never mixes
 * two reports; the next request names the report received last.
 */
export class HeldReports {
  /** The `findings_base` of the next request (undefined: none held). */
  get baseId(): string | undefined {
    return this._order[this._order.length - 1];
  }

  /**
   * The full report of an answer (a delta applied to its base), kept as a
   * base for later deltas; `null` when the delta's base is not held or does
   * not fit it: the caller asks again without `findings_base`.
   */
  receive(answer: IReport | IReportDelta): IReport | null {
    let report: IReport;
    if (isReportDelta(answer)) {
      const base = this._held.get(answer.findings_base);
      const findings =
        base && applyFindingsDelta(base.findings, answer.findings_delta);
      const waived =
        base && applyFindingsDelta(base.waived, answer.waived_delta);
      if (!findings || !waived) {
        return null;
      }
      report = {
        path: answer.path,
        score: answer.score,
        findings,
        waived,
        summary: answer.summary,
        report_id: answer.report_id
      };
    } else {
      report = answer;
    }
    if (report.report_id !== undefined) {
      this._keep(report.report_id, report);
    }
    return report;
  }

  /** Forget every base (the next request asks for a full report). */
  clear(): void {
    this._held.clear();
    this._order = [];
  }

  private _keep(id: string, report: IReport): void {
    this._held.delete(id);
    this._order = this._order.filter(k => k !== id);
    this._held.set(id, report);
    this._order.push(id);
    while (this._order.length > REPORTS_HELD) {
      this._held.delete(this._order.shift() as string);
    }
  }

  private _held = new Map<string, IReport>();
  private _order: string[] = [];
}
