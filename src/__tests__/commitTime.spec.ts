import { commitTime, refreshInterval } from '../widgets/commitTime';

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

describe('refreshInterval', () => {
  const now = new Date('2026-03-10T12:03:20Z').getTime();

  it('reads seconds every second while the youngest commit is under a minute old', () => {
    expect(
      refreshInterval(['2026-03-10T12:03:05Z', '2026-03-01T00:00:00Z'], now)
    ).toBe(1000);
    // a date ahead of the browser clock reads "now", and soon seconds
    expect(refreshInterval(['2026-03-10T12:04:00Z'], now)).toBe(1000);
  });

  it('reads minutes every 10 s, hours and more every 5 minutes', () => {
    expect(refreshInterval(['2026-03-10T12:00:00Z'], now)).toBe(10000);
    expect(refreshInterval(['2026-03-10T09:00:00Z'], now)).toBe(300000);
    expect(refreshInterval(['2025-03-10T09:00:00Z'], now)).toBe(300000);
  });

  it('leaves out what is not a date', () => {
    expect(refreshInterval(['not a date', '2026-03-10T12:03:00Z'], now)).toBe(
      1000
    );
    expect(refreshInterval(['not a date'], now)).toBe(300000);
  });
});
