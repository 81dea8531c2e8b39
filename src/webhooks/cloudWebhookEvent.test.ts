import { readCloudWebhookEvent } from './cloudWebhookEvent';

describe('readCloudWebhookEvent', () => {
  it.each([
    ['repo:push', { repository: { full_name: 'acme/svc' }, push: { changes: [{ new: { type: 'branch', name: 'main' } }, { new: { type: 'tag', name: 'v1' } }, { new: null }] } }, { kind: 'push', workspace: 'acme', slug: 'svc', branches: ['main'] }],
    ['repo:push deleting a branch', { repository: { full_name: 'acme/svc' }, push: { changes: [{ new: null, old: { type: 'branch', name: 'release' } }] } }, { kind: 'push', workspace: 'acme', slug: 'svc', branches: ['release'] }],
    ['repo:updated', { repository: { full_name: 'acme/new' }, changes: { full_name: { old: 'acme/old', new: 'acme/new' } } }, { kind: 'updated', workspace: 'acme', slug: 'new', previous: { workspace: 'acme', slug: 'old' } }],
    ['repo:updated without a rename', { repository: { full_name: 'acme/svc' }, changes: { mainbranch: { old: 'a', new: 'b' } } }, { kind: 'updated', workspace: 'acme', slug: 'svc', previous: undefined }],
    ['repo:transfer', { repository: { full_name: 'other/svc' }, previous_workspace: { type: 'workspace', slug: 'acme' } }, { kind: 'updated', workspace: 'other', slug: 'svc', previous: { workspace: 'acme', slug: 'svc' } }],
    ['repo:transfer naming the old full name', { repository: { full_name: 'other/svc' }, changes: { full_name: { old: 'acme/svc' } } }, { kind: 'updated', workspace: 'other', slug: 'svc', previous: { workspace: 'acme', slug: 'svc' } }],
    ['repo:transfer without its previous workspace', { repository: { full_name: 'other/svc' } }, { kind: 'updated', workspace: 'other', slug: 'svc', previous: undefined }],
    ['repo:transfer from an impossible workspace', { repository: { full_name: 'other/svc' }, previous_workspace: { slug: '..' } }, { kind: 'updated', workspace: 'other', slug: 'svc', previous: undefined }],
    ['repo:deleted', { repository: { full_name: 'acme/svc' } }, { kind: 'deleted', workspace: 'acme', slug: 'svc' }],
  ])('reads %s', (what, payload, expected) => {
    expect(readCloudWebhookEvent(what.split(' ')[0], payload)).toEqual(expected);
  });

  it.each([
    ['pullrequest:created', { repository: { full_name: 'acme/svc' } }],
    ['repo:push', { repository: { full_name: 'no-slash' } }],
    ['repo:push', { repository: {} }],
    ['repo:push', 'not json'],
    [undefined, { repository: { full_name: 'acme/svc' } }],
  ])('ignores %s with %j', (eventKey, payload) => {
    expect(readCloudWebhookEvent(eventKey, payload)).toBeUndefined();
  });
});
