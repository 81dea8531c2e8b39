import { refusedHosts } from './refusedHosts';
import { WebhookRefusals } from './WebhookRefusals';

const HOUR = 3_600_000;

describe('WebhookRefusals', () => {
  it('counts per host and cause, the last hour by minute; a different secret seen in the last hour is the likely cause, an unsigned flood does not hide it', () => {
    let now = Date.UTC(2026, 11, 3, 12);
    const refusals = new WebhookRefusals(() => now);
    refusals.refused(['a.example.com'], 'mismatch');
    now += HOUR / 2;
    for (let i = 0; i < 50; i++) refusals.refused(['a.example.com'], 'missing');
    expect(refusals.health('a.example.com')).toEqual({
      lastRefusedAt: new Date(now).toISOString(),
      refusedLastHour: 51,
      byCause: { mismatch: 1, missing: 50 },
      likelyCause: expect.stringMatching(/^signed with a different secret/),
    });
    expect(refusals.health('b.example.com')).toBeUndefined();
    now += HOUR - 60_000;
    expect(refusals.health('a.example.com')?.refusedLastHour).toBe(50);
    expect(refusals.health('a.example.com')?.byCause).toEqual({ mismatch: 1, missing: 50 });
    // The mismatch is over an hour old: the most frequent cause of the last hour now.
    refusals.refused(['a.example.com'], 'unsupported');
    expect(refusals.health('a.example.com')?.likelyCause).toMatch(/^no X-Hub-Signature/);
    // Nothing in the last hour: the last cause.
    now += 2 * HOUR;
    expect(refusals.health('a.example.com')?.likelyCause).toMatch(/^X-Hub-Signature is not sha256/);
  });

  it('holds at most 100 hosts', () => {
    const refusals = new WebhookRefusals();
    for (let i = 0; i < 150; i++) refusals.refused([`h${i}`], 'mismatch');
    expect(refusals.health('h99')).toBeDefined();
    expect(refusals.health('h100')).toBeUndefined();
  });
});

describe('refusedHosts', () => {
  const trust = (...hosts: string[]) => ({ hosts: hosts.map(host => ({ host, secrets: ['s'] })), acceptsUnsigned: false, configured: true });
  const body = (href?: string) => Buffer.from(JSON.stringify({ repository: { slug: 'x', ...(href ? { links: { self: [{ href }] } } : {}) } }));

  it('blames the one host of a topic, else the configured host the payload links to, else each host', () => {
    expect(refusedHosts(trust('a.example.com'), body())).toEqual(['a.example.com']);
    expect(refusedHosts(trust('a.example.com', 'b.example.com:7990'), body('https://b.example.com:7990/projects/A/repos/x/browse'))).toEqual(['b.example.com:7990']);
    expect(refusedHosts(trust('a.example.com', 'b.example.com'), body('https://elsewhere.example.com/projects/A/repos/x/browse'))).toEqual(['a.example.com', 'b.example.com']);
    expect(refusedHosts(trust('a.example.com', 'b.example.com'), Buffer.from('not json'))).toEqual(['a.example.com', 'b.example.com']);
  });
});
