import { percentile, summarizeLatencies } from './percentile';

describe('percentile', () => {
  it('takes the nearest rank, whatever order the values come in', () => {
    const values = [50, 10, 40, 20, 30];
    expect(percentile(values, 50)).toBe(30);
    expect(percentile(values, 20)).toBe(10);
    expect(percentile(values, 21)).toBe(20);
    expect(percentile(values, 100)).toBe(50);
    // The input is left as it was.
    expect(values).toEqual([50, 10, 40, 20, 30]);
  });

  it('of 100 values, p95 is the 95th smallest, not interpolated', () => {
    const values = Array.from({ length: 100 }, (_, i) => (i + 1) * 10);
    expect(percentile(values, 95)).toBe(950);
    expect(percentile(values, 50)).toBe(500);
  });

  it('refuses no values and a percentile outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow('No values');
    expect(() => percentile([1], 0)).toThrow('(0, 100]');
    expect(() => percentile([1], 101)).toThrow('(0, 100]');
  });
});

describe('summarizeLatencies', () => {
  it('gives the median, p95 and the slowest', () => {
    const latencies = [...Array.from({ length: 19 }, () => 100), 900];
    expect(summarizeLatencies(latencies)).toEqual({ count: 20, p50Ms: 100, p95Ms: 100, maxMs: 900 });
  });
});
