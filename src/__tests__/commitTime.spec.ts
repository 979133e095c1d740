import { commitTime } from '../widgets/commitTime';

describe('commitTime', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(new Date('2026-03-10T12:03:20Z'));
    document.documentElement.lang = 'en';
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('says how long ago in words, whatever the offset git wrote', () => {
    expect(commitTime('2026-03-10T12:00:00+00:00').relative).toBe(
      '3 minutes ago'
    );
    expect(commitTime('2026-03-10T13:00:00+01:00').relative).toBe(
      '3 minutes ago'
    );
    expect(commitTime('2026-03-10T12:03:05Z').relative).toBe('15 seconds ago');
    expect(commitTime('2026-03-07T09:00:00Z').relative).toBe('3 days ago');
    expect(commitTime('2025-03-01T09:00:00Z').relative).toBe('last year');
  });

  it('says a date ahead of the browser clock is now, not "next year"', () => {
    expect(commitTime('2026-03-10T12:03:22Z').relative).toBe(
      commitTime('2026-03-10T12:03:20Z').relative
    );
    expect(commitTime('2026-03-10T12:04:50Z').relative).not.toContain('year');
  });

  it('gives the full date and time for the tooltip', () => {
    const { full } = commitTime('2026-03-10T12:00:00+00:00');
    expect(full).toContain('2026');
    expect(full).toContain('March');
    expect(full).toMatch(/\d{1,2}:00:00/);
  });

  it('shows what git said when it is not a date', () => {
    expect(commitTime('not a date')).toEqual({
      relative: 'not a date',
      full: 'not a date'
    });
    expect(commitTime('')).toEqual({ relative: '', full: '' });
  });
});
