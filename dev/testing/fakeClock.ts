/**
 * Fake timers that move only the clock (`Date.now`) by hand: HTTP, sockets and every timer stay
 * real, so a test can jump an hour ahead (a quota window, a time-to-live) while loopback
 * requests still complete.
 */
export function fakeClockOnly(now?: number): void {
  jest.useFakeTimers({
    doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'queueMicrotask', 'hrtime', 'performance'],
  });
  if (now !== undefined) {
    jest.setSystemTime(now);
  }
}
