import { inspect } from 'node:util';
import { findLeaks, secretForms } from '../../dev/testing/secretLeaks';
import { decodeJson, describeNetworkError, safeCause } from './decoders';

const USER = 'ci-robot';
const SECRET = 'S3cr3t-t0ken';
const LEAKS = [...secretForms(SECRET, USER), USER];

/**
 * A runtime failure the way HTTP libraries build them: the message quotes the URL whole, and
 * the error (and its cause) holds the request, headers and all.
 */
function failureWithRequest(): Error {
  const headers = { Authorization: `Bearer ${SECRET}`, Accept: 'application/json' };
  const cause = Object.assign(new Error(`connect ECONNREFUSED for https://${USER}:${SECRET}@api.bitbucket.org/2.0/repositories/acme`), {
    code: 'ECONNREFUSED',
    config: { headers, auth: { username: USER, password: SECRET } },
  });
  return Object.assign(new TypeError(`request to https://${USER}:${SECRET}@api.bitbucket.org/2.0/repositories/acme?page=2 failed`), {
    cause,
    request: { method: 'GET', headers, socket: { _httpMessage: { _header: `GET / HTTP/1.1\r\nAuthorization: Bearer ${SECRET}\r\n` } } },
    response: { headers: { 'set-cookie': `session=${SECRET}` } },
  });
}

describe('safeCause', () => {
  it('keeps name, code and message of a runtime error, and nothing of the request it carries', () => {
    const kept = safeCause(failureWithRequest());

    expect(kept).toEqual({ name: 'TypeError', code: 'ECONNREFUSED', message: 'ECONNREFUSED' });
    expect(findLeaks([kept, JSON.stringify(kept), inspect(kept, { depth: Infinity })], LEAKS)).toEqual([]);
  });

  it('keeps a message without the URL it quoted, credentials and query included', () => {
    const error = new Error(`request to https://${USER}:${SECRET}@api.bitbucket.org/2.0/repositories/acme?access_token=${SECRET} failed, reason: socket hang up`);

    const kept = safeCause(error);

    expect(kept).toEqual({ name: 'Error', code: undefined, message: 'request to <url> failed, reason: socket hang up' });
    expect(findLeaks([kept], LEAKS)).toEqual([]);
  });

  it('keeps the message of a cause without a code, URLs removed', () => {
    const error = new TypeError('fetch failed', { cause: new Error(`getaddrinfo ENOTFOUND for http://${USER}:${SECRET}@bitbucket.example.com/rest`) });

    expect(safeCause(error)).toEqual({ name: 'TypeError', code: undefined, message: 'getaddrinfo ENOTFOUND for <url>' });
  });

  it('redacts credentials an error message quotes after an authentication scheme', () => {
    const kept = safeCause(new Error(`token exchange refused the header "Authorization: Basic ${Buffer.from(`${USER}:${SECRET}`).toString('base64')}" and Bearer ${SECRET}`));

    expect(findLeaks([kept], LEAKS)).toEqual([]);
    expect(kept?.message).toBe('token exchange refused the header "Authorization: Basic <redacted>" and Bearer <redacted>');
  });

  it('keeps neither a name nor a code that is not an identifier', () => {
    const error = Object.assign(new Error('boom'), { name: `Bearer ${SECRET}\n`, code: `Authorization: Bearer ${SECRET}` });

    expect(safeCause(error)).toEqual({ name: 'Error', code: undefined, message: 'boom' });
  });

  it('keeps the server text a JSON parse error quotes without its control characters', () => {
    // V8 quotes the start of the body it could not parse, escape sequences and all.
    const decoded = decodeJson({ status: 200, headers: new Headers({ 'content-type': 'application/json' }), body: '\u001b[2J\u001b[31mX\u0000\r\nforged log line' });

    expect(decoded).toMatchObject({ problem: 'answered 200 with malformed JSON' });
    const kept = safeCause((decoded as { cause: unknown }).cause);
    expect(kept?.name).toBe('SyntaxError');
    // eslint-disable-next-line no-control-regex -- their absence is the point
    expect(kept?.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(kept?.message).toMatch(/is not valid JSON$/);
    expect(kept?.message).toContain('"X"');
    expect(kept?.message).not.toContain('[2J');
  });

  it('bounds a long message', () => {
    const kept = safeCause(new Error(`refused: ${'x'.repeat(10_000)}`));

    expect(kept?.message).toHaveLength(301);
    expect(kept?.message.endsWith('…')).toBe(true);
  });

  it('keeps nothing when there was no cause', () => {
    expect(safeCause(undefined)).toBeUndefined();
  });

  it('copes with a thrown value that is not an Error', () => {
    expect(safeCause(`https://${USER}:${SECRET}@api.bitbucket.org/ unreachable`)).toEqual({ name: 'Error', code: undefined, message: '<url> unreachable' });
    expect(safeCause(null)).toEqual({ name: 'Error', code: undefined, message: 'null' });
  });
});

describe('describeNetworkError', () => {
  it('names a timeout', () => {
    expect(describeNetworkError(new DOMException('timed out after 500 ms', 'TimeoutError'))).toBe('timed out');
  });

  it('prefers the code of the cause, which holds no URL', () => {
    expect(describeNetworkError(failureWithRequest())).toBe('ECONNREFUSED');
  });
});

describe('decodeJson of a large body kept as bytes', () => {
  const large = (text: string) => ({ status: 200, headers: new Headers({ 'content-type': 'text/html' }), bytes: Buffer.from(text), body: text });

  it('tells an empty body and a login page from JSON however much white space comes first', () => {
    expect(decodeJson(large(' \n'.repeat(40_000)))).toEqual({ problem: 'answered 200 with an empty body instead of JSON' });
    expect(decodeJson(large(`${' '.repeat(40_000)}<html>${'x'.repeat(40_000)}</html>`))).toMatchObject({ problem: expect.stringContaining('got a login page') });
  });

  it('parses JSON from the bytes, whatever its content type says', () => {
    const page = { values: Array.from({ length: 1000 }, (_, i) => ({ slug: `repo-${i}` })), isLastPage: true };
    expect(decodeJson(large(`\n ${JSON.stringify(page)}`))).toEqual({ value: page });
  });
});
