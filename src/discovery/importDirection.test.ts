import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

/**
 * discovery/ is where passes and webhooks meet, below both: it imports neither the webhook path
 * nor a product. The one exception, the providers' options type, is explained in docs/design.md.
 */
describe('discovery/ imports', () => {
  it('never reach up into webhooks/, server/ or cloud/', () => {
    const upward = readdirSync(__dirname)
      .filter(name => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .filter(name => /from '\.\.\/(webhooks|server|cloud)\//.test(readFileSync(join(__dirname, name), 'utf8')));
    expect(upward).toEqual(['providerDeps.ts']);
  });
});
