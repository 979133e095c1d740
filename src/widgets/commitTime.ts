/**
 * When a commit was made, as the Commit section shows it: how long ago in
 * words ("3 minutes ago", in the page's language, JupyterLab's `Time`
 * helper) and the full date for the tooltip. git's ISO dates are exact but
 * slow to read at a glance. The words age while the section is shown:
 * `useCommitTimes` reads them again on a `Poll`.
 */
import { Time } from '@jupyterlab/coreutils';
import { Poll } from '@lumino/polling';
import * as React from 'react';

export interface ICommitTime {
  /** "3 minutes ago"; the date as given when it is not one */
  relative: string;
  /** the full date and time in the page's language; the date as given when it is not one */
  full: string;
}

/** `date` (git's strict ISO 8601 date, `%aI`) as words and as a full date. */
export function commitTime(date: string): ICommitTime {
  const when = new Date(date);
  if (!date || Number.isNaN(when.getTime())) {
    return { relative: date, full: date };
  }
  const lang = document.documentElement.lang || 'en';
  const full = new Intl.DateTimeFormat(lang, {
    dateStyle: 'full',
    timeStyle: 'long'
  }).format(when);
  // JupyterLab's words round up from years: a date a second ahead (a server's clock ahead of the
  // browser's, a commit made on a skewed machine) read "next year"; ahead is "now"
  const past = new Date(Math.min(when.getTime(), Date.now()));
  return { relative: Time.formatHuman(past), full };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * How often the words of these dates are read again: they count seconds
 * under a minute (every second), minutes under an hour (every 10 s: a
 * minute's words are at most that late), hours and more (every 5 minutes).
 */
export function refreshInterval(
  dates: ReadonlyArray<string>,
  now: number
): number {
  const ages = dates
    .map(date => now - new Date(date).getTime())
    .filter(age => !Number.isNaN(age));
  const youngest = Math.min(...ages.map(age => Math.max(age, 0)));
  if (youngest < MINUTE) {
    return SECOND;
  }
  return youngest < HOUR ? 10 * SECOND : 5 * MINUTE;
}

/** Whether the element is on screen: in the page, and neither it nor a parent hidden. */
function isShown(node: HTMLElement | null): boolean {
  return (
    !document.hidden && !!node?.isConnected && node.getClientRects().length > 0
  );
}

/**
 * Render the caller again as the words of `dates` age: one `Poll`, in
 * standby while `node` is hidden (another section, a closed sidebar, a
 * hidden browser tab), disposed with the caller. None without a date.
 */
export function useCommitTimes(
  dates: ReadonlyArray<string>,
  node: React.RefObject<HTMLElement>
): void {
  const [, setTick] = React.useState(0);
  const interval = dates.length ? refreshInterval(dates, Date.now()) : null;
  React.useEffect(() => {
    if (interval === null) {
      return;
    }
    const poll = new Poll({
      factory: async () => setTick(tick => tick + 1),
      frequency: { interval, backoff: false },
      name: 'jupyter-prod-ext:commit-times',
      standby: () => !isShown(node.current)
    });
    return () => poll.dispose();
  }, [interval, node]);
}
