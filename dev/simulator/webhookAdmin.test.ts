import { createServer, IncomingMessage, Server } from 'node:http';
import { BitbucketCloudSimulator } from './BitbucketCloudSimulator';
import { BitbucketServerSimulator } from './BitbucketServerSimulator';
import { hubSignature } from './serverWebhookDeliveries';

// Webhook administration as Bitbucket answers it, and deliveries only through the hooks registered there.

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

async function receiver(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', chunk => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise(resolve => server.close(() => resolve())) };
}

const estate = { projects: [{ key: 'A' }, { key: 'B' }], repositories: [{ projectKey: 'A', slug: 'one', files: {} }, { projectKey: 'B', slug: 'two', files: {} }] };
const json = { 'content-type': 'application/json' };

describe('Bitbucket Server webhook administration', () => {
  let sim: BitbucketServerSimulator;
  let hook: Awaited<ReturnType<typeof receiver>>;
  beforeEach(async () => {
    sim = new BitbucketServerSimulator({ estate: structuredClone(estate) });
    await sim.start();
    hook = await receiver();
  });
  afterEach(async () => {
    await sim.stop();
    await hook.close();
  });

  it('creates, lists (paged, secret never shown), updates and deletes a project hook; delivers only through it', async () => {
    const base = `${sim.url}/rest/api/1.0/projects/A/webhooks`;
    expect((await sim.putFile({ owner: 'A', repo: 'one', path: 'catalog-info.yaml', content: 'x' })).delivered).toBeNull();

    const created = await fetch(base, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'catalog', url: hook.url, events: ['repo:refs_changed'], active: true, configuration: { secret: 's3cret' } }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const page = (await (await fetch(`${base}?limit=1`)).json()) as { values: Array<Record<string, unknown>>; isLastPage: boolean };
    expect(page.isLastPage).toBe(true);
    expect(page.values).toEqual([expect.objectContaining({ id, name: 'catalog', url: hook.url, active: true, scopeType: 'project', configuration: {} })]);

    expect((await sim.putFile({ owner: 'A', repo: 'one', path: 'catalog-info.yaml', content: 'y' })).delivered).toBe(202);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0].headers['x-hub-signature']).toBe(hubSignature(hook.received[0].body, 's3cret'));
    // Project B has no hook: nothing is delivered for it.
    expect((await sim.putFile({ owner: 'B', repo: 'two', path: 'catalog-info.yaml', content: 'y' })).delivered).toBeNull();

    expect((await fetch(`${base}/${id}`, { method: 'PUT', headers: json, body: JSON.stringify({ active: false }) })).status).toBe(200);
    expect((await sim.putFile({ owner: 'A', repo: 'one', path: 'catalog-info.yaml', content: 'z' })).delivered).toBeNull();
    expect((await fetch(`${base}/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(sim.hooks.all()).toEqual([]);
    expect(sim.hooks.writes).toBe(3);
  });

  it('answers 403 to a caller without admin permission on the project, and 404 for an unknown project', async () => {
    sim.hooks.deniedOwners.add('B');
    expect((await fetch(`${sim.url}/rest/api/1.0/projects/B/webhooks`)).status).toBe(403);
    expect((await fetch(`${sim.url}/rest/api/1.0/projects/B/repos/two/webhooks`)).status).toBe(403);
    expect((await fetch(`${sim.url}/rest/api/1.0/projects/NOPE/webhooks`)).status).toBe(404);
    const repoHook = await fetch(`${sim.url}/rest/api/1.0/projects/A/repos/one/webhooks`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'r', url: hook.url, events: ['repo:refs_changed'] }),
    });
    expect(repoHook.status).toBe(201);
    expect(((await repoHook.json()) as { scopeType: string }).scopeType).toBe('repository');
  });

  it('a repository admin without project admin administers that repository\'s hooks only', async () => {
    sim.hooks.deniedOwners.add('B');
    sim.hooks.repositoryAdmins.add('B/two');
    expect((await fetch(`${sim.url}/rest/api/1.0/projects/B/webhooks`)).status).toBe(403);
    const created = await fetch(`${sim.url}/rest/api/1.0/projects/B/repos/two/webhooks`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'r', url: hook.url, events: ['repo:refs_changed'], configuration: { secret: 'repo-secret' } }),
    });
    expect(created.status).toBe(201);
    expect((await sim.putFile({ owner: 'B', repo: 'two', path: 'catalog-info.yaml', content: 'y' })).delivered).toBe(202);
    expect(hook.received[0].headers['x-hub-signature']).toBe(hubSignature(hook.received[0].body, 'repo-secret'));
  });
});

describe('Bitbucket Cloud webhook administration', () => {
  it('creates and lists a workspace hook (secret_set, paged) and delivers repo:push through it; 403 for a non-admin', async () => {
    const sim = new BitbucketCloudSimulator({ workspace: 'acme', estate: structuredClone(estate) });
    await sim.start();
    const hook = await receiver();
    try {
      const base = `${sim.url}/2.0/workspaces/acme/hooks`;
      const created = await fetch(base, { method: 'POST', headers: json, body: JSON.stringify({ description: 'catalog', url: hook.url, events: ['repo:push'], active: true, secret: 'cloud-s3cret' }) });
      expect(created.status).toBe(201);
      const { uuid } = (await created.json()) as { uuid: string };
      const page = (await (await fetch(`${base}?pagelen=10`)).json()) as { values: Array<Record<string, unknown>> };
      expect(page.values).toEqual([expect.objectContaining({ uuid, description: 'catalog', subject_type: 'workspace', secret_set: true, events: ['repo:push'] })]);
      expect(JSON.stringify(page)).not.toContain('cloud-s3cret');
      expect((await sim.putFile({ owner: 'acme', repo: 'one', path: 'catalog-info.yaml', content: 'x' })).delivered).toBe(202);
      expect(hook.received[0].headers['x-hub-signature']).toBe(hubSignature(hook.received[0].body, 'cloud-s3cret'));
      expect((await fetch(`${base}/${encodeURIComponent(uuid)}`, { method: 'PUT', headers: json, body: JSON.stringify({ events: ['repo:push', 'repo:updated'] }) })).status).toBe(200);
      expect(sim.hooks.all()[0].events).toEqual(['repo:push', 'repo:updated']);
      sim.hooks.deniedOwners.add('acme');
      expect((await fetch(base)).status).toBe(403);
      expect((await fetch(`${sim.url}/2.0/repositories/acme/one/hooks`)).status).toBe(403);
      sim.hooks.repositoryAdmins.add('acme/one');
      expect((await fetch(`${sim.url}/2.0/repositories/acme/one/hooks`)).status).toBe(200);
      expect((await fetch(`${sim.url}/2.0/repositories/acme/two/hooks`)).status).toBe(403);
    } finally {
      await sim.stop();
      await hook.close();
    }
  });
});
