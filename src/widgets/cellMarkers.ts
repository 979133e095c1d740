/**
 * Badges on cells with findings: a small count in the input prompt area,
 * coloured by the worst severity, with the messages as tooltip.
 */
import type { Cell } from '@jupyterlab/cells';
import type { CellList, NotebookPanel } from '@jupyterlab/notebook';

import type { IFinding, Severity } from '../api';
import type { ReadinessModel } from '../model';

const BADGE_CLASS = 'jp-ProdCellBadge';
const CELL_CLASS = 'jp-mod-prodFindings';
const RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };
const NONE: IFinding[] = [];

/** What a cell's badge shows: its findings, and its text as one key. */
interface IBadge {
  index: number;
  list: IFinding[];
  title: string;
  key: string;
}

/** The worst severity among findings. */
export function worstSeverity(findings: ReadonlyArray<IFinding>): Severity {
  let worst: Severity = 'info';
  for (const f of findings) {
    if ((RANK[f.severity] ?? 0) > RANK[worst]) {
      worst = f.severity;
    }
  }
  return worst;
}

/** Tooltip text of a cell's badge. */
export function badgeTitle(findings: ReadinessModel['findings']): string {
  return findings
    .map(
      f =>
        `${f.severity}: ${f.line !== null ? `line ${f.line}: ` : ''}${f.message} [${f.check}]`
    )
    .join('\n');
}

function clearCell(cell: Cell): void {
  cell.removeClass(CELL_CLASS);
  cell.node.querySelectorAll(`.${BADGE_CLASS}`).forEach(node => node.remove());
}

/** Keeps the badges of one notebook in sync with its model. */
export class CellMarkers {
  constructor(
    private _panel: NotebookPanel,
    private _model: ReadinessModel,
    private _onClick?: (cellIndex: number) => void
  ) {
    _model.stateChanged.connect(this.update, this);
    // kept: a closing panel has no model any more when it emits `disposed`,
    // and the document model (two views share it) outlives this view
    this._cells = _panel.content.model?.cells ?? null;
    this._cells?.changed.connect(this._onCellsChanged, this);
    _panel.disposed.connect(() => this.dispose());
  }

  update(): void {
    if (this._isDisposed) {
      return;
    }
    // Markers describe the last report: they are hidden after cells were
    // added, removed or moved (indices would point at the wrong cells) until
    // a report of the current content arrives.
    const cellsMoved =
      this._staleReport !== null && this._staleReport === this._model.report;
    const findings = cellsMoved ? [] : this._model.findings;
    const widgets = this._panel.content.widgets;
    if (
      findings.length === this._shown.findings.length &&
      findings.every((f, i) => f === this._shown.findings[i]) &&
      widgets.length === this._shown.cells
    ) {
      // busy flips, errors, settings that select the same findings: nothing to redraw
      return;
    }
    this._shown = { findings, cells: widgets.length };
    const byCell = new Map<number, IFinding[]>();
    for (const f of findings) {
      if (f.cell === null) {
        continue;
      }
      const list = byCell.get(f.cell) ?? [];
      list.push(f);
      byCell.set(f.cell, list);
    }
    // only the cells whose badge changes are touched (a keystroke changes one)
    const badges = new Map<Cell, IBadge>();
    widgets.forEach((cell, index) => {
      const list = byCell.get(index) ?? NONE;
      const old = this._badges.get(cell);
      if (!old && list.length === 0) {
        return;
      }
      const [badge, changed] = this._badgeOf(old, index, list);
      if (changed) {
        clearCell(cell);
        if (!list.length) {
          return;
        }
        if (!this._addBadge(cell, index, list, badge.title)) {
          this._whenRendered(cell);
          return;
        }
      }
      badges.set(cell, badge);
    });
    this._badges = badges;
  }

  /**
   * The badge a cell's findings give: the old one when they are the same
   * finding objects at the same index (a findings delta keeps them), else
   * built again, and whether its text changed (its DOM is then redrawn).
   */
  private _badgeOf(
    old: IBadge | undefined,
    index: number,
    list: IFinding[]
  ): [IBadge, boolean] {
    if (
      old &&
      old.index === index &&
      old.list.length === list.length &&
      old.list.every((f, i) => f === list[i])
    ) {
      return [old, false];
    }
    const title = list.length ? badgeTitle(list) : '';
    const key = list.length
      ? `${index}\u0000${worstSeverity(list)}\u0000${list.length}\u0000${title}`
      : '';
    if (old && old.key === key) {
      return [{ ...old, list }, false]; // same text: the DOM stays
    }
    return [{ index, list, title, key }, true];
  }

  private _addBadge(
    cell: Cell,
    index: number,
    findings: IFinding[],
    title: string
  ): boolean {
    const host = cell.inputArea?.node;
    if (!host) {
      return false;
    }
    const badge = document.createElement('div');
    const severity = worstSeverity(findings);
    badge.className = `${BADGE_CLASS} jp-mod-${severity}`;
    badge.textContent = String(findings.length);
    badge.title = title;
    badge.dataset.cell = String(index);
    badge.setAttribute('role', 'button');
    badge.setAttribute(
      'aria-label',
      `${findings.length} readiness finding(s), worst: ${severity}`
    );
    badge.addEventListener('click', event => {
      event.stopPropagation();
      this._onClick?.(index);
    });
    cell.addClass(CELL_CLASS);
    host.appendChild(badge);
    return true;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.stateChanged.disconnect(this.update, this);
    this._cells?.changed.disconnect(this._onCellsChanged, this);
    this._cells = null;
    if (!this._panel.isDisposed) {
      this._panel.content.widgets.forEach(clearCell);
    }
  }

  /**
   * A cell JupyterLab has not rendered yet (a placeholder: the notebook
   * renders cells out of view lazily) has no input area for its badge: draw
   * the badges again once it is rendered. Cells rendered together are drawn
   * in one pass.
   */
  private _whenRendered(cell: Cell): void {
    if (this._waiting.has(cell)) {
      return;
    }
    this._waiting.add(cell);
    void cell.ready.then(() => {
      this._waiting.delete(cell);
      if (this._redrawQueued) {
        return;
      }
      this._redrawQueued = true;
      requestAnimationFrame(() => {
        this._redrawQueued = false;
        this._shown = { findings: [], cells: -1 }; // not the findings drawn: update() redraws
        this.update();
      });
    });
  }

  private _onCellsChanged(): void {
    // Cells were added, removed or moved: indices of the last report are off
    // until the next check answers.
    this._staleReport = this._model.report;
    this.update();
  }

  /** The cells whose changes this view follows (its notebook's, when it opened). */
  private _cells: CellList | null;
  private _staleReport: ReadinessModel['report'] = null;
  /** The findings the badges show, and the number of cells they were drawn on. */
  private _shown: { findings: ReadonlyArray<IFinding>; cells: number } = {
    findings: [],
    cells: -1
  };
  /** Each badged cell's badge: unchanged ones stay. */
  private _badges = new Map<Cell, IBadge>();
  private _isDisposed = false;
  /** cells waiting to be rendered before their badge can be drawn */
  private _waiting = new Set<Cell>();
  private _redrawQueued = false;
}
