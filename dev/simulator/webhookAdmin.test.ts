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

  it('answers 401 AuthorisationException (as Data Center does) to a caller without admin permission on the project, and 404 for an unknown project', async () => {
    sim.hooks.deniedOwners.add('B');
    const denied = await fetch(`${sim.url}/rest/api/1.0/projects/B/webhooks`);
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { errors: Array<{ exceptionName: string }> }).errors[0].exceptionName).toBe('com.atlassian.bitbucket.AuthorisationException');
    expect((await fetch(`${sim.url}/rest/api/1.0/projects/B/repos/two/webhooks`)).status).toBe(401);
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
    expect((await fetch(`${sim.url}/rest/api/1.0/projects/B/webhooks`)).status).toBe(401);
    const created = await fetch(`${sim.url}/rest/api/1.0/projects/B/repos/two/webhooks`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'r', url: hook.url, events: ['repo:refs_changed'], configuration: { secret: 'repo-secret' } }),
    });
    expect(created.status).toBe(201);
    expect((await sim.putFile({ owner: 'B', repo: 'two', path: 'catalog-info.yaml', content: 'y' })).delivered).toBe(202);
    expect(hook.received[0].headers['x-hub-signature']).toBe(hubSignature(hook.received[0].body, 'repo-secret'));
  });

  it('lists only the repositories the caller administers with /repos?permission=REPO_ADMIN, narrowed by projectname', async () => {
    sim.addRepository({ projectKey: 'B', slug: 'three', files: {} });
    sim.hooks.deniedOwners.add('B');
    sim.hooks.repositoryAdmins.add('B/two');
    const slugs = async (query: string) => {
      const answer = await fetch(`${sim.url}/rest/api/1.0/repos?${query}`);
      return ((await answer.json()) as { values: Array<{ slug: string }> }).values.map(repo => repo.slug);
    };
    expect(await slugs('permission=REPO_ADMIN')).toEqual(['one', 'two']);
    expect(await slugs('projectname=b&permission=REPO_ADMIN')).toEqual(['two']);
    expect(await slugs('projectname=b')).toEqual(['two', 'three']);
    expect((await fetch(`${sim.url}/rest/api/1.0/repos?permission=ADMIN`)).status).toBe(400);
  });

  it('a deleted repository\'s hooks go with it, a renamed one keeps them (and its admins), and neither counts as a write', async () => {
    const fields = { name: 'r', url: hook.url, events: ['repo:refs_changed'], active: true, secret: 'x' };
    sim.hooks.create({ kind: 'repository', owner: 'A', slug: 'one' }, fields);
    sim.hooks.create({ kind: 'repository', owner: 'B', slug: 'two' }, fields);
    sim.hooks.deniedOwners.add('B');
    sim.hooks.repositoryAdmins.add('B/two');
    const writes = sim.hooks.writes;
    sim.deleteRepository('A', 'one');
    sim.renameRepository({ projectKey: 'B', slug: 'two' }, { projectKey: 'B', slug: 'deux' });
    expect(sim.hooks.all().map(({ scope }) => scope)).toEqual([{ kind: 'repository', owner: 'B', slug: 'deux' }]);
    expect(sim.hooks.writes).toBe(writes);
    expect((await fetch(`${sim.url}/rest/api/1.0/projects/B/repos/deux/webhooks`)).status).toBe(200);
    expect((await fetch(`${sim.url}/rest/api/1.0/projects/B/repos/two/webhooks`)).status).toBe(404);
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
      // role=admin lists only the repositories the caller administers.
      const listed = async (query: string) =>
        ((await (await fetch(`${sim.url}/2.0/repositories/acme${query}`)).json()) as { values: Array<{ slug: string }> }).values.map(repo => repo.slug);
      expect(await listed('?role=admin')).toEqual(['one']);
      expect(await listed('?role=member')).toEqual(['one', 'two']);
      expect((await fetch(`${sim.url}/2.0/repositories/acme?role=root`)).status).toBe(400);
    } finally {
      await sim.stop();
      await hook.close();
    }
  });
});
