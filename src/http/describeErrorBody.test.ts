import { describeErrorBody } from './describeErrorBody';

const server = (...messages: unknown[]) => JSON.stringify({ errors: messages.map(message => ({ message, exceptionName: 'x' })) });
const cloud = (message: unknown) => JSON.stringify({ type: 'error', error: { message } });

describe('describeErrorBody', () => {
  it.each([
    ['Server/Data Center', server('Repository PLAT/x does not exist.'), 'Repository PLAT/x does not exist.'],
    ['Server with several errors', server('first', 'second'), 'first; second'],
    ['Cloud', cloud('Resource not found'), 'Resource not found'],
  ])('reads the message of a %s error body', (_name, body, expected) => {
    expect(describeErrorBody(body)).toBe(expected);
  });

  it.each([
    ['not JSON', '<html>Bad gateway</html>'],
    ['JSON without a message', '{"status":500}'],
    ['messages that are not strings', server(42, { nested: 'x' })],
    ['null', 'null'],
    ['an empty error list', '{"errors":[]}'],
  ])('says nothing for %s', (_name, body) => {
    expect(describeErrorBody(body)).toBeUndefined();
  });

  it('drops ANSI escape sequences whole, so a terminal showing the log is not repainted', () => {
    expect(describeErrorBody(cloud('\u001b[2J\u001b[1;31mAccess denied\u001b[0m for \u001b]8;;https://evil.example\u0007this link\u001b]8;;\u0007'))).toBe(
      'Access denied for this link',
    );
  });

  it('turns newlines and other line breaks into spaces, so a message cannot forge a log line', () => {
    const forged = 'Not found\r\n2026-01-01T00:00:00Z info catalog Processing complete\u2028next\u2029para\u0085nel\u000bvt\u000cff';
    expect(describeErrorBody(server(forged))).toBe('Not found 2026-01-01T00:00:00Z info catalog Processing complete next para nel vt ff');
  });

  it('drops NUL and other C0/C1 control characters', () => {
    expect(describeErrorBody(cloud('a\u0000b\u0008c\u007fd\u009be\u0001'))).toBe('a b c d e');
  });

  it('drops invisible formatting characters that reorder or hide text', () => {
    // U+202E right-to-left override would show "gpj.exe" as "exe.jpg"; zero-width characters hide text.
    expect(describeErrorBody(cloud('file \u202Egpj.exe\u202C is\u200B\u2066 locked\u2069\uFEFF'))).toBe('file gpj.exe is locked');
  });

  it('bounds a very long message to 300 characters and an ellipsis', () => {
    const described = describeErrorBody(cloud(`Rate limited: ${'x'.repeat(100_000)}`))!;
    expect(described).toHaveLength(301);
    expect(described.startsWith('Rate limited: xxx')).toBe(true);
    expect(described.endsWith('…')).toBe(true);
  });

  it('bounds many messages together, not each', () => {
    const described = describeErrorBody(server(...Array.from({ length: 1000 }, (_, i) => `error ${i}`)))!;
    expect(described).toHaveLength(301);
    expect(described.startsWith('error 0; error 1; ')).toBe(true);
  });

  it('counts characters after stripping, so escape sequences do not use up the bound', () => {
    const described = describeErrorBody(cloud(`${'\u001b[31m'.repeat(1000)}${'y'.repeat(300)}`))!;
    expect(described).toBe('y'.repeat(300));
  });

  it('does not cut a character in half at the bound', () => {
    const described = describeErrorBody(cloud(`${'x'.repeat(299)}😀😀`))!;
    // A lone surrogate would be an invalid string everywhere it is written to.
    expect(described).toBe(`${'x'.repeat(299)}…`);
    expect(described).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it('leaves ordinary text alone, accents, quotes and tabs turned to spaces included', () => {
    expect(describeErrorBody(cloud('Dépôt «café» introuvable:\t"main"'))).toBe('Dépôt «café» introuvable: "main"');
  });
});
