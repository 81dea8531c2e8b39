import { measureAccuracy } from './accuracy';

describe('measureAccuracy', () => {
  it('is exact when the same URLs come back in any order', () => {
    expect(measureAccuracy(['b', 'a'], ['a', 'b'])).toMatchObject({ precision: 1, recall: 1, emitted: 2, expected: 2 });
  });

  it('counts wrong, missing and duplicate URLs against the result', () => {
    const accuracy = measureAccuracy(['a', 'a', 'x'], ['a', 'b']);
    expect(accuracy.precision).toBeCloseTo(1 / 3);
    expect(accuracy.recall).toBe(0.5);
    expect(accuracy.unexpectedSample).toEqual(['a', 'x']);
    expect(accuracy.missingSample).toEqual(['b']);
  });

  it('leaves an empty result at full precision and no recall', () => {
    expect(measureAccuracy([], ['a'])).toMatchObject({ precision: 1, recall: 0 });
    expect(measureAccuracy([], [])).toMatchObject({ precision: 1, recall: 1 });
  });
});
