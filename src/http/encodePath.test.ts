import { encodePath, encodeSegment } from './encodePath';

describe('encodeSegment', () => {
  it('encodes what a segment may hold and refuses what would climb', () => {
    expect(encodeSegment('feature/x')).toBe('feature%2Fx');
    expect(encodeSegment('~jane.doe')).toBe('~jane.doe');
    for (const climbing of ['..', '.', '']) {
      expect(() => encodeSegment(climbing)).toThrow(`Refusing to build a Bitbucket URL with the path segment '${climbing}'`);
    }
  });
});

describe('encodePath', () => {
  it('keeps the slashes and encodes each segment', () => {
    expect(encodePath('/docs/catalog info.yaml')).toBe('/docs/catalog%20info.yaml');
    expect(encodePath('/catalog-info.yaml')).toBe('/catalog-info.yaml');
  });

  it('refuses dot segments anywhere in the path', () => {
    expect(() => encodePath('/docs/../../catalog-info.yaml')).toThrow("path segment '..'");
    expect(() => encodePath('/./catalog-info.yaml')).toThrow("path segment '.'");
  });
});
