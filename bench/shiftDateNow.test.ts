import { shiftDateNow } from './shiftDateNow';

describe('shiftDateNow', () => {
  it('moves Date.now forward by what was advanced, through references taken after installing too, until restored', () => {
    const realNow = Date.now;
    const clock = shiftDateNow();
    const takenAfterInstall = Date.now;
    try {
      clock.advance(3_600_000);
      expect(Date.now() - realNow()).toBeGreaterThanOrEqual(3_600_000);
      expect(Date.now() - realNow()).toBeLessThan(3_601_000);
      expect(takenAfterInstall() - realNow()).toBeGreaterThanOrEqual(3_600_000);
    } finally {
      clock.restore();
    }
    expect(Date.now).toBe(realNow);
  });
});
