/**
 * When a commit was made, as the Commit section shows it: how long ago in
 * words ("3 minutes ago", in the page's language, JupyterLab's `Time`
 * helper) and the full date for the tooltip. git's ISO dates are exact but
 * slow to read at a glance.
 */
import { Time } from '@jupyterlab/coreutils';

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
