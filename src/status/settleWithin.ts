export type Settled<T> = { settled: true; value: T } | { settled: true; error: unknown } | { settled: false };

/** How `promise` settled within `ms`, or that it had not yet; it keeps running either way. */
export function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve({ settled: false }), ms);
    promise.then(
      value => {
        clearTimeout(timer);
        resolve({ settled: true, value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ settled: true, error });
      },
    );
  });
}
