import { parseJsonBytes } from './parseJsonBytes';

/** A Server listing page of `count` repositories, with what makes JSON hard: escapes, multi-byte text, nesting. */
function listingPage(count: number): unknown {
  return {
    size: count,
    limit: 1000,
    isLastPage: false,
    values: Array.from({ length: count }, (_, i) => ({
      slug: `repo-${i}`,
      name: `Répo "${i}" \\ {brackets} [and] , commas: ü 漢字 🚀`,
      project: { key: 'PROJ', links: { self: [{ href: `https://bitbucket.example.com/projects/PROJ` }] } },
      archived: i % 7 === 0,
      forkable: null,
      id: i * 1.5e3,
      tags: [],
      empty: {},
      links: { clone: [{ href: `ssh://git@bitbucket.example.com:7999/proj/repo-${i}.git`, name: 'ssh' }] },
    })),
    nextPageStart: count,
  };
}

describe('parseJsonBytes', () => {
  it('answers what JSON.parse answers, for bodies far above the size it splits at', () => {
    const page = listingPage(1000);
    const text = JSON.stringify(page, null, 1);
    expect(Buffer.byteLength(text)).toBeGreaterThan(300 * 1024);
    expect(parseJsonBytes(Buffer.from(text))).toEqual(JSON.parse(text));
    expect(parseJsonBytes(Buffer.from(JSON.stringify(page)))).toEqual(page);
  });

  it('never decodes more than 32 KB of a large body into one string (V8 puts strings above 128 KB in its old generation)', () => {
    const bytes = Buffer.from(JSON.stringify(listingPage(1000)));
    const decoded: number[] = [];
    const original = Buffer.prototype.toString;
    const toString = jest.spyOn(Buffer.prototype, 'toString').mockImplementation(function (this: Buffer, ...args: unknown[]) {
      const [encoding, start = 0, end = this.length] = args as [BufferEncoding | undefined, number?, number?];
      decoded.push(Math.min(end, this.length) - start);
      return original.call(this, encoding, start, end);
    });
    try {
      parseJsonBytes(bytes);
    } finally {
      toString.mockRestore();
    }
    expect(bytes.length).toBeGreaterThan(300 * 1024);
    expect(decoded.length).toBeGreaterThan(1000);
    expect(Math.max(...decoded)).toBeLessThanOrEqual(32 * 1024);
  });

  it('parses large arrays at the top, nested large arrays and long strings', () => {
    const value = [listingPage(300), { deeper: { values: listingPage(300) } }, 'x'.repeat(100_000), [[[]]], 0, -1.5e-7, true, null];
    expect(parseJsonBytes(Buffer.from(JSON.stringify(value)))).toEqual(value);
  });

  it('keeps a member named __proto__ as JSON.parse does: an own property, not the prototype', () => {
    const text = `{"__proto__": {"polluted": true}, "values": ${JSON.stringify(listingPage(300))}}`;
    const parsed = parseJsonBytes(Buffer.from(text)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'values']);
    expect(parsed).toEqual(JSON.parse(text));
  });

  it.each([
    ['a truncated body', (text: string) => text.slice(0, -10)],
    ['a trailing comma', (text: string) => text.replace(/\]\s*,\s*"nextPageStart"/, ',], "nextPageStart"')],
    ['a mismatched bracket', (text: string) => text.replace('"tags":[]', '"tags":[}')],
    ['content after the value', (text: string) => `${text} {}`],
    ['a bare word', (text: string) => text.replace('"archived":true', '"archived":yes')],
    ['a missing colon', (text: string) => text.replace('"size":', '"size" ')],
    ['an unterminated string', (text: string) => `${text.slice(0, -1)}, "open`],
  ])('throws a SyntaxError on %s, as JSON.parse does', (_, spoil) => {
    const text = spoil(JSON.stringify(listingPage(400)));
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(() => parseJsonBytes(Buffer.from(text))).toThrow(SyntaxError);
  });

  it('parses deep nesting as JSON.parse does, without overflowing the stack: levels below the first few are parsed whole', () => {
    const deep = Buffer.from(`${'['.repeat(36_000)}${']'.repeat(36_000)}`);
    // Walked, not compared: a comparison this deep overflows the stack of its own.
    let depth = 0;
    for (let level = parseJsonBytes(deep); Array.isArray(level) && level.length > 0; level = level[0]) {
      depth += 1;
    }
    expect(depth).toBe(35_999);
    const nestedPages = JSON.stringify(Array.from({ length: 40 }).reduce<unknown>(inner => ({ values: [inner, listingPage(50)] }), listingPage(50)));
    expect(parseJsonBytes(Buffer.from(nestedPages))).toEqual(JSON.parse(nestedPages));
  });

  it('parses small bodies whole, with JSON.parse errors', () => {
    expect(parseJsonBytes(Buffer.from(' {"a": [1, 2]} '))).toEqual({ a: [1, 2] });
    expect(() => parseJsonBytes(Buffer.from('{"a": '))).toThrow(SyntaxError);
  });
});
