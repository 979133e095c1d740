/**
 * Deep equality of JSON data (a cell's metadata, a finding): the one
 * comparison of values that may be equal without being the same object.
 * Comparing `JSON.stringify` texts instead encodes both sides on every call
 * and calls two objects different when only their keys' order differs.
 */
import { JSONExt, type ReadonlyPartialJSONValue } from '@lumino/coreutils';

/**
 * Whether `a` and `b` are the same JSON data: objects by their keys in any
 * order (a key set to `undefined` counts as absent, as in JSON), arrays
 * element by element in order, the rest by `===`.
 */
export function jsonEqual<T>(a: T, b: T): boolean {
  return (
    a === b ||
    JSONExt.deepEqual(
      a as ReadonlyPartialJSONValue,
      b as ReadonlyPartialJSONValue
    )
  );
}
