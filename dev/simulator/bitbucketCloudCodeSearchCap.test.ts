import { BitbucketCloudSimulator } from './BitbucketCloudSimulator';
import { generateEstate } from './generateEstate';

describe('BitbucketCloudSimulator code search cap (backstage#26854)', () => {
  let sim: BitbucketCloudSimulator;
  const search = async (page: number) => {
    const query = new URLSearchParams({ search_query: '"catalog-info.yaml" path:catalog-info.yaml', pagelen: '100', page: String(page) });
    const response = await fetch(`${sim.url}/2.0/workspaces/acme/search/code?${query}`);
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    const estate = generateEstate({ projects: 1, repositories: 1200, catalogFileRatio: 1, emptyRatio: 0, archivedRatio: 0 });
    sim = new BitbucketCloudSimulator({ workspace: 'acme', estate, codeSearch: true });
    await sim.start();
  });
  afterAll(() => sim.stop());

  it('stops giving next at page 9 of 100, answers page 10 when asked by hand, and refuses page 11', async () => {
    const eighth = await search(8);
    expect(eighth.body.next).toEqual(expect.stringContaining('page=9'));
    const ninth = await search(9);
    expect(ninth.status).toBe(200);
    expect(ninth.body.values).toHaveLength(100);
    expect(ninth.body.next).toBeUndefined();
    // The total still says there are more.
    expect(ninth.body.size).toBe(1200);
    expect((await search(10)).body.values).toHaveLength(100);
    expect(await search(11)).toEqual({ status: 400, body: { type: 'error', error: { message: 'Cannot fetch results past result number 1000' } } });
  });
});
