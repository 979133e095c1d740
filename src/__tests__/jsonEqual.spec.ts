import { jsonEqual } from '../jsonEqual';

describe('jsonEqual', () => {
  it('compares objects by their keys in any order, deeply', () => {
    const a = { tags: ['x', 'y'], jupyter: { source_hidden: true, n: 1 } };
    const b = { jupyter: { n: 1, source_hidden: true }, tags: ['x', 'y'] };
    expect(jsonEqual(a, b)).toBe(true);
    expect(jsonEqual(a, { ...b, jupyter: { n: 2, source_hidden: true } })).toBe(
      false
    );
    expect(jsonEqual<object>(a, { ...b, extra: null })).toBe(false);
    expect(jsonEqual<object>({ ...b, extra: null }, a)).toBe(false);
  });

  it('compares arrays in order', () => {
    expect(jsonEqual([1, [2, 3]], [1, [2, 3]])).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([1, 2], [1, 2, 3])).toBe(false);
    expect(jsonEqual({ tags: ['a', 'b'] }, { tags: ['b', 'a'] })).toBe(false);
  });

  it('tells values of other types and nulls apart', () => {
    expect(jsonEqual<unknown>(1, '1')).toBe(false);
    expect(jsonEqual<unknown>(null, {})).toBe(false);
    expect(jsonEqual<unknown>([], {})).toBe(false);
    expect(jsonEqual<unknown>(0, false)).toBe(false);
    expect(jsonEqual(null, null)).toBe(true);
    expect(jsonEqual('a', 'a')).toBe(true);
  });

  it('counts a key set to undefined as absent, as JSON does', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(jsonEqual({ a: undefined }, { a: null })).toBe(false);
  });
});
