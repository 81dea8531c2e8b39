/**
 * Lets the benchmark move this process's wall clock forward, so "an hour later" takes no hour.
 *
 * It wraps `Date.now` with an offset. That is acceptable here, in a benchmark process of its own,
 * and nowhere else: the Cloud processor's pass state (`resumeAfter`, from Retry-After) and its
 * request scheduler read `Date.now()`, so this is the clock a spent quota is waited out on.
 * Install it before the module is built: the scheduler keeps the `Date.now` function it finds
 * when it is constructed. `performance.now()` (which times the calls) and timers are untouched,
 * and the simulator, in another process, keeps the real time (its quota window is moved by
 * `POST /__sim/quota/next-window` instead).
 */
export function shiftDateNow(): { advance(ms: number): void; restore(): void } {
  const realNow = Date.now;
  let offsetMs = 0;
  Date.now = () => realNow() + offsetMs;
  return {
    advance: ms => {
      offsetMs += ms;
    },
    restore: () => {
      Date.now = realNow;
    },
  };
}
