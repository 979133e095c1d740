/**
 * Arrow-key groups (WAI-ARIA "roving tabindex"): a group of buttons, a
 * radiogroup or a tablist, is one Tab stop, its chosen button; the arrow
 * keys, Home and End move within it and choose the button they reach (a
 * radio is checked, a tab shown), so the keyboard crosses the panel's severity
 * filter and section tabs in one Tab each, as it does a native radio group.
 */
import type * as React from 'react';

/**
 * Where a key moves in a group of `count` items from `at` (wrapping); null:
 * not a move. A horizontal group (a tablist) takes Left and Right only, as
 * WAI-ARIA's tabs pattern says; a radiogroup takes all four arrows.
 */
export function rovingTarget(
  key: string,
  at: number,
  count: number,
  horizontal = false
): number | null {
  const moves: Record<string, number> = {
    ArrowRight: at + 1,
    ArrowLeft: at - 1,
    Home: 0,
    End: count - 1,
    ...(horizontal ? {} : { ArrowDown: at + 1, ArrowUp: at - 1 })
  };
  const next = moves[key];
  return next === undefined || count === 0 ? null : (next + count) % count;
}

/** The `tabIndex` of a group's item: only the chosen one is a Tab stop. */
export function rovingTabIndex(chosen: boolean): number {
  return chosen ? 0 : -1;
}

/**
 * The group's `onKeyDown`: an arrow key (Home, End) focuses the item of
 * `role` it reaches and clicks it, which chooses it.
 */
export function rovingKeyDown(role: 'radio' | 'tab') {
  return (event: React.KeyboardEvent<HTMLElement>): void => {
    const items = Array.from(
      event.currentTarget.querySelectorAll<HTMLElement>(`[role="${role}"]`)
    );
    if (event.ctrlKey || event.altKey || event.metaKey) {
      return; // a shortcut (Alt+Arrow, Ctrl+End), not a move in the group
    }
    const at = items.indexOf(event.target as HTMLElement);
    const next =
      at < 0 ? null : rovingTarget(event.key, at, items.length, role === 'tab');
    if (next === null) {
      return;
    }
    event.preventDefault();
    items[next].focus();
    items[next].click();
  };
}
