import { createBackend } from '@backstage/backend-defaults';
import { rootConfigServiceFactory } from '@backstage/backend-defaults/rootConfig';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDatabases } from '@backstage/backend-test-utils';
import { databasePerPlugin } from './testing/databasePerPlugin';
import { freePort } from './testing/freePort';
import { inProcessEventsService } from './testing/inProcessEvents';

// Owned here: backend-defaults' own SQLite would leave a pool timer and jest would never exit.
const perPlugin = databasePerPlugin(TestDatabases.create({ ids: ['SQLITE_3'] }));

// What a user's standard backend (`packages/backend/src/index.ts` ending in `backend.start()`) does
// with a mistake in this module's config: the README's troubleshooting section says exactly this.
describe('a standard backend with a mistake in this module config', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bad-config-backend-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects backend.start() with the error naming the key, keeps listening, and answers readiness with 503', async () => {
    const port = await freePort();
    const configFile = join(dir, 'app-config.yaml');
    await writeFile(
      configFile,
      JSON.stringify({
        backend: { baseUrl: `http://localhost:${port}`, listen: { port, host: '127.0.0.1' } },
        integrations: { bitbucketServer: [{ host: 'bitbucket.example.com', token: 't' }] },
        catalog: { providers: { bitbucketServer: { main: { host: 'bitbucket.example.com', catalogpath: '/catalog-info.yaml' } } } },
      }),
    );
    const backend = createBackend();
    backend.add(rootConfigServiceFactory({ argv: ['--config', configFile], watch: false }));
    // Without the default events service's shutdown refusal (see dev/testing/inProcessEvents.ts).
    backend.add(inProcessEventsService);
    backend.add(perPlugin.feature);
    backend.add(import('@backstage/plugin-catalog-backend'));
    backend.add(import('backstage-plugin-catalog-backend-module-bitbucket-discovery'));
    try {
      await expect(backend.start()).rejects.toThrow(
        "Module 'bitbucket-discovery' for plugin 'catalog' startup failed; caused by Error: Unknown config key " +
          "'catalog.providers.bitbucketServer.main.catalogpath'; did you mean 'catalogPath'?",
      );
      // The HTTP server is up before plugins start, and stays up: only readiness tells.
      const readiness = await fetch(`http://127.0.0.1:${port}/.backstage/health/v1/readiness`);
      expect(readiness.status).toBe(503);
    } finally {
      await backend.stop();
    }
  });
});
