import { repo } from '../../../dev/testing/fixtures';
import { closeServerHarnesses, startServerHarness } from '../../../dev/testing/serverHarness';
import { SimEstate } from '../../../dev/simulator/estate';
import { SERVER_HOOK_EVENTS } from '../../server/serverHookApi';

afterEach(closeServerHarnesses);
jest.setTimeout(20_000);

const INGRESS = 'https://backstage.example.com/api/events/http/bitbucketServer';
const SECRET = 'registered-secret';
const KEYS = Array.from({ length: 200 }, (_, i) => `P${String(i).padStart(3, '0')}`);
/** Two of them without project admin, their repositories administered. */
const WITHOUT_PROJECT_ADMIN = ['P017', 'P123'];

const ESTATE: SimEstate = {
  projects: KEYS.map(key => ({ key })),
  repositories: KEYS.flatMap(key => [repo(key, `${key.toLowerCase()}-api`), repo(key, `${key.toLowerCase()}-web`)]),
};

describe('webhook registration over 200 Data Center projects', () => {
  it('a fresh estate ends its first pass with one correct hook per project, and the second pass writes nothing and reads one hook listing per place', async () => {
    const h = await startServerHarness(ESTATE, { provider: { webhookSecret: SECRET, webhookRegistration: { url: INGRESS } } });
    for (const key of WITHOUT_PROJECT_ADMIN) {
      h.sim.hooks.deniedOwners.add(key);
      ESTATE.repositories.filter(r => r.projectKey === key).forEach(r => h.sim.hooks.repositoryAdmins.add(`${key}/${r.slug}`));
    }
    const admin = () => h.sim.stats.byRoute.webhookAdmin ?? 0;

    await h.provider.refresh();
    const hooks = h.sim.hooks.all();
    const where = hooks.map(hook => (hook.scope.kind === 'repository' ? `${hook.scope.owner}/${hook.scope.slug}` : hook.scope.owner)).sort();
    const repositoryPlaces = WITHOUT_PROJECT_ADMIN.flatMap(key => [`${key}/${key.toLowerCase()}-api`, `${key}/${key.toLowerCase()}-web`]);
    expect(where).toEqual([...KEYS.filter(key => !WITHOUT_PROJECT_ADMIN.includes(key)), ...repositoryPlaces].sort());
    expect(hooks.every(hook => hook.url === INGRESS && hook.active && hook.secret === SECRET && hook.events.join() === SERVER_HOOK_EVENTS.join())).toBe(true);
    expect(h.sim.hooks.writes).toBe(198 + 4);
    // Each project's hooks listed once and written once; the two without admin: a 401, then two repositories' hooks listed and written.
    // No record names a project with repository hooks of ours, so no other repository's hooks are read.
    expect(admin()).toBe(200 + 198 + 2 * 2 * 2);
    expect(h.sim.requestLog.filter(request => request.path === '/rest/api/1.0/repos' && /permission=REPO_ADMIN/.test(request.query))).toHaveLength(2);
    expect(h.provider.webhookRegistrationHealth()).toMatchObject({ counts: { created: 202 }, levels: { project: 198, repository: 2 }, failed: [] });

    const before = { writes: h.sim.hooks.writes, admin: admin() };
    await h.provider.refresh();
    expect(h.sim.hooks.writes).toBe(before.writes);
    expect(admin() - before.admin).toBe(200 + 2 * 2);
    expect(h.provider.webhookRegistrationHealth()).toMatchObject({ counts: { registered: 202 }, failed: [] });
  });
});
