import { requestsPerDay } from './requestsPerDay';

describe('requestsPerDay', () => {
  const inputs = { requestsPerPass: 50_000, pollEveryMinutes: 30, reconciliationPassesPerDay: 1, pushesPerDay: 10_000, requestsPerPush: 3 };

  it('charges polling a full pass every interval: 48 a day at 30 minutes', () => {
    expect(requestsPerDay(inputs).polling).toEqual({ passes: 48, requests: 2_400_000 });
    expect(requestsPerDay({ ...inputs, pollEveryMinutes: 60 }).polling).toEqual({ passes: 24, requests: 1_200_000 });
  });

  it('charges webhooks the reconciliation passes plus each push', () => {
    expect(requestsPerDay(inputs).webhooks).toEqual({ passes: 1, passRequests: 50_000, pushRequests: 30_000, requests: 80_000 });
    expect(requestsPerDay(inputs).pollingOverWebhooks).toBe(30);
    expect(requestsPerDay({ ...inputs, reconciliationPassesPerDay: 2, pushesPerDay: 0 }).webhooks.requests).toBe(100_000);
  });

  it('refuses an interval that does not divide a day', () => {
    expect(() => requestsPerDay({ ...inputs, pollEveryMinutes: 7 })).toThrow('7 minutes');
    expect(() => requestsPerDay({ ...inputs, pollEveryMinutes: 0 })).toThrow('whole passes');
  });
});
