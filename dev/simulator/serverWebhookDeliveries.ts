import { createHmac } from 'crypto';

/** One webhook delivery as Bitbucket sends it: headers and the exact body bytes. */
export interface WebhookDelivery {
  headers: Record<string, string>;
  body: string;
}

/** Signs a body as Bitbucket does with a webhook secret: `sha256=<hex HMAC-SHA256>`. */
export function hubSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * A Bitbucket Server `repo:refs_changed` delivery for a push to `branch` (payload shape of Data
 * Center 8: repository with project, changes with ref, hashes and type; no file list).
 */
export function serverPushDelivery(
  repo: { projectKey: string; slug: string; selfHref?: string },
  options: { branch?: string; secret?: string; attempt?: number } = {},
): WebhookDelivery {
  const branch = options.branch ?? 'main';
  const body = JSON.stringify({
    eventKey: 'repo:refs_changed',
    date: new Date().toISOString(),
    actor: { name: 'dev', displayName: 'Dev' },
    repository: {
      slug: repo.slug,
      name: repo.slug,
      scmId: 'git',
      state: 'AVAILABLE',
      project: { key: repo.projectKey, name: repo.projectKey },
      ...(repo.selfHref ? { links: { self: [{ href: repo.selfHref }] } } : {}),
    },
    changes: [
      {
        ref: { id: `refs/heads/${branch}`, displayId: branch, type: 'BRANCH' },
        refId: `refs/heads/${branch}`,
        fromHash: '0'.repeat(40),
        toHash: 'a'.repeat(40),
        type: 'UPDATE',
      },
    ],
  });
  return delivery('repo:refs_changed', body, options);
}

/** A Bitbucket Server `repo:modified` delivery: a rename or a move to another project. */
export function serverModifiedDelivery(
  from: { projectKey: string; slug: string },
  to: { projectKey: string; slug: string },
  options: { secret?: string } = {},
): WebhookDelivery {
  const repository = (r: { projectKey: string; slug: string }) => ({ slug: r.slug, name: r.slug, project: { key: r.projectKey } });
  const body = JSON.stringify({ eventKey: 'repo:modified', date: new Date().toISOString(), old: repository(from), new: repository(to) });
  return delivery('repo:modified', body, options);
}

function delivery(eventKey: string, body: string, options: { secret?: string; attempt?: number }): WebhookDelivery {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'x-event-key': eventKey,
    'x-request-id': `req-${Math.random().toString(16).slice(2)}`,
  };
  if (options.secret) {
    headers['x-hub-signature'] = hubSignature(body, options.secret);
  }
  return { headers, body };
}
