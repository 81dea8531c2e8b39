import { defaultBranchOf, EstateStore, readFile, SimEstate } from './estate';

function smallEstate(): SimEstate {
  return {
    projects: [{ key: 'PLAT' }],
    repositories: [
      { projectKey: 'PLAT', slug: 'payments-api', updatedOn: '2030-01-01T00:00:00.000Z', files: { 'catalog-info.yaml': 'a' } },
      { projectKey: 'PLAT', slug: 'blank', empty: true, files: {} },
    ],
  };
}

describe('EstateStore', () => {
  it('finds repositories regardless of key and slug case', () => {
    const store = new EstateStore(smallEstate());
    expect(store.findRepository('plat', 'PAYMENTS-API')?.slug).toBe('payments-api');
    expect(store.findRepositoryBySlug('Payments-Api')?.projectKey).toBe('PLAT');
    expect(store.repositoriesOf('plat')).toHaveLength(2);
  });

  it('moves updatedOn strictly forward on every mutation, even past future dates', () => {
    const store = new EstateStore(smallEstate());
    const seen: string[] = [];
    for (let index = 0; index < 5; index++) {
      store.setFile('PLAT', 'payments-api', `file-${index}`, 'x');
      seen.push(store.findRepository('PLAT', 'payments-api')!.updatedOn!);
    }
    store.removeFile('PLAT', 'payments-api', 'file-0');
    seen.push(store.findRepository('PLAT', 'payments-api')!.updatedOn!);
    const times = seen.map(Date.parse);
    expect(times[0]).toBeGreaterThan(Date.parse('2030-01-01T00:00:00.000Z'));
    times.slice(1).forEach((time, index) => expect(time).toBeGreaterThan(times[index]));
  });

  it('gives an empty repository its default branch on the first file', () => {
    const store = new EstateStore(smallEstate());
    const blank = store.findRepository('PLAT', 'blank')!;
    expect(defaultBranchOf(blank)).toBeUndefined();
    store.setFile('PLAT', 'blank', '/catalog-info.yaml', 'b');
    expect(defaultBranchOf(blank)).toBe('main');
    expect(readFile(blank, 'catalog-info.yaml')).toBe('b');
  });

  it('adds and deletes repositories, keeping the estate object and indexes in step', () => {
    const estate = smallEstate();
    const store = new EstateStore(estate);
    store.addRepository({ projectKey: 'NEW', slug: 'fresh', files: {} });
    expect(estate.projects.map(project => project.key)).toEqual(['PLAT', 'NEW']);
    expect(store.findRepositoryBySlug('fresh')?.updatedOn).toBeDefined();
    expect(() => store.addRepository({ projectKey: 'NEW', slug: 'fresh', files: {} })).toThrow(/already exists/);

    store.deleteRepository('PLAT', 'payments-api');
    expect(estate.repositories.map(repo => repo.slug)).toEqual(['blank', 'fresh']);
    expect(store.findRepositoryBySlug('payments-api')).toBeUndefined();
    expect(store.repositoriesOf('PLAT')).toHaveLength(1);
    expect(() => store.removeFile('PLAT', 'payments-api', 'x')).toThrow(/does not exist/);
  });

  it('does not mistake object prototype names for files', () => {
    const store = new EstateStore(smallEstate());
    expect(readFile(store.findRepository('PLAT', 'payments-api')!, 'constructor')).toBeUndefined();
  });
});
