import { readServerWebhookEvent } from './serverWebhookEvent';

const repository = { slug: 'svc', project: { key: 'PAY' } };

describe('readServerWebhookEvent', () => {
  it('reads a push', () => {
    expect(readServerWebhookEvent('repo:refs_changed', { repository, changes: [{ ref: { id: 'refs/heads/main', type: 'BRANCH' } }] })).toEqual({
      kind: 'push',
      repository,
      refs: ['refs/heads/main'],
    });
  });

  it('reads a rename or move', () => {
    const moved = { slug: 'svc', project: { key: 'OPS' } };
    expect(readServerWebhookEvent('repo:modified', { old: repository, new: moved })).toEqual({ kind: 'modified', old: repository, new: moved });
  });

  it.each([
    ['pr:opened', { repository }],
    ['repo:refs_changed', { repository: { slug: 'svc' } }],
    ['repo:modified', { old: repository }],
    ['repo:refs_changed', null],
  ])('ignores %s with %j', (eventKey, payload) => {
    expect(readServerWebhookEvent(eventKey, payload)).toBeUndefined();
  });
});
