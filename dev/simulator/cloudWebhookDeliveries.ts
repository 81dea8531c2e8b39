import { hubSignature, WebhookDelivery } from './serverWebhookDeliveries';

/**
 * A Bitbucket Cloud `repo:push` delivery for a push to `branch` (payload shape of API 2.0:
 * repository with full_name and uuid, push.changes with new/old refs; no file list).
 */
export function cloudPushDelivery(
  repo: { workspace: string; slug: string },
  options: { branch?: string; secret?: string } = {},
): WebhookDelivery {
  const branch = options.branch ?? 'main';
  const body = JSON.stringify({
    actor: { type: 'user', display_name: 'Dev' },
    repository: {
      type: 'repository',
      full_name: `${repo.workspace}/${repo.slug}`,
      name: repo.slug,
      uuid: `{${repo.slug}-uuid}`,
      links: { html: { href: `https://bitbucket.org/${repo.workspace}/${repo.slug}` } },
    },
    push: {
      changes: [
        {
          new: { type: 'branch', name: branch, target: { type: 'commit', hash: 'b'.repeat(40) } },
          old: { type: 'branch', name: branch, target: { type: 'commit', hash: 'a'.repeat(40) } },
          created: false,
          closed: false,
          truncated: false,
          commits: [],
        },
      ],
    },
  });
  return cloudDelivery('repo:push', body, options.secret);
}

/**
 * A Bitbucket Cloud `repo:transfer` delivery: `repository` under its new workspace, and
 * `previous_workspace`, the one it came from (a transfer keeps the slug).
 */
export function cloudTransferDelivery(
  transfer: { from: string; to: string; slug: string },
  options: { secret?: string } = {},
): WebhookDelivery {
  const body = JSON.stringify({
    actor: { type: 'user', display_name: 'Admin' },
    repository: {
      type: 'repository',
      full_name: `${transfer.to}/${transfer.slug}`,
      name: transfer.slug,
      uuid: `{${transfer.slug}-uuid}`,
      links: { html: { href: `https://bitbucket.org/${transfer.to}/${transfer.slug}` } },
    },
    previous_workspace: { type: 'workspace', slug: transfer.from, name: transfer.from, uuid: `{${transfer.from}-uuid}` },
  });
  return cloudDelivery('repo:transfer', body, options.secret);
}

/** A delivery as Bitbucket Cloud sends it: its headers, signed with `secret` when one is given. */
function cloudDelivery(eventKey: string, body: string, secret: string | undefined): WebhookDelivery {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-event-key': eventKey,
    'x-hook-uuid': '{hook-uuid}',
    'x-request-uuid': `{${Math.random().toString(16).slice(2)}}`,
    'x-attempt-number': '1',
  };
  if (secret) {
    headers['x-hub-signature'] = hubSignature(body, secret);
  }
  return { headers, body };
}
