import { inspect } from 'node:util';
import { mockHttpsRequests } from '../../dev/testing/mockHttpsRequests';
import { findLeaks, secretForms } from '../../dev/testing/secretLeaks';
import { BitbucketHttpClient } from './BitbucketHttpClient';
import { BitbucketRequestError } from './BitbucketRequestError';
import { RequestStats } from './RequestStats';

// What a failed request leaves behind, as the catalog and loggers see it: the error is
// serialised whole (JSON.stringify, util.inspect, @backstage/errors' serializeError walks own
// properties and `details`), so a runtime error kept raw as its cause would carry the request.

const USER = 'ci-robot';
const SECRET = 'S3cr3t-app-passw0rd';
const AUTHORIZATION = `Basic ${Buffer.from(`${USER}:${SECRET}`).toString('base64')}`;
const LEAKS = [...secretForms(SECRET, USER), USER, AUTHORIZATION];

function client(): BitbucketHttpClient {
  return new BitbucketHttpClient({
    apiBaseUrl: 'https://api.bitbucket.org/2.0',
    credentialsHint: 'integrations.bitbucketCloud (host bitbucket.org)',
    authHeaders: async () => ({ Authorization: AUTHORIZATION }),
    concurrency: 1,
    requestTimeoutMs: 1000,
    retryPolicy: { maxAttempts: 2, maxRateLimitRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1000 },
  });
}

/** Every way the error is turned into text: as logged, stored and printed. */
function serialisations(error: BitbucketRequestError): string[] {
  return [JSON.stringify(error), inspect(error, { depth: Infinity, showHidden: true }), JSON.stringify(error.details), String(error)];
}

async function failure(promise: Promise<unknown>): Promise<BitbucketRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BitbucketRequestError);
  return error as BitbucketRequestError;
}

afterEach(() => jest.restoreAllMocks());

describe('BitbucketRequestError', () => {
  it('carries no request header of a network failure whose error holds the request', async () => {
    // Built the way HTTP stacks build them: the headers sent, on the error, its URL with credentials.
    const sent = mockHttpsRequests(async (url, options) => {
      throw Object.assign(new Error(`connect ECONNRESET ${String(url).replace('https://', `https://${USER}:${SECRET}@`)}`), {
        code: 'ECONNRESET',
        request: { headers: options.headers },
        headers: options.headers,
      });
    });

    const error = await failure(client().getJson('https://api.bitbucket.org/2.0/repositories/acme', { stats: new RequestStats() }));

    expect(error.message).toBe('Bitbucket at api.bitbucket.org: GET /2.0/repositories/acme failed after 2 attempts, last: connect ECONNRESET <url>');
    expect(error.details).toEqual({
      host: 'api.bitbucket.org',
      method: 'GET',
      path: '/2.0/repositories/acme',
      status: undefined,
      cause: { name: 'Error', code: 'ECONNRESET', message: 'connect ECONNRESET <url>' },
    });
    expect(findLeaks(serialisations(error), LEAKS)).toEqual([]);
    // The headers were there to leak: the request did carry them.
    expect(findLeaks([sent.mock.calls], [AUTHORIZATION])).toEqual([AUTHORIZATION]);
  });

  it('carries no header, credential or control character of an answer it could not decode', async () => {
    mockHttpsRequests(async () => ({
      status: 200,
      headers: { 'content-type': 'application/json', 'set-cookie': `session=${SECRET}`, 'www-authenticate': AUTHORIZATION },
      body: `\u001b[31m${AUTHORIZATION}\u0000`,
    }));

    const error = await failure(client().getJson('https://api.bitbucket.org/2.0/repositories/acme', { stats: new RequestStats() }));

    expect(error.message).toBe('Bitbucket at api.bitbucket.org: GET /2.0/repositories/acme answered 200 with malformed JSON');
    expect(error.details.cause).toMatchObject({ name: 'SyntaxError' });
    expect(findLeaks(serialisations(error), LEAKS)).toEqual([]);
    for (const text of serialisations(error)) {
      // Raw (util.inspect prints the cause's message as is) or escaped (JSON); newlines are the stack's.
      // eslint-disable-next-line no-control-regex -- their absence is the point
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]|\\u00(?:1b|00)/);
    }
  });

  it('keeps only name, code and message of a cause it is given raw, whoever builds it', () => {
    const headers = { Authorization: AUTHORIZATION };
    const raw = Object.assign(new Error(`socket hang up on https://${USER}:${SECRET}@api.bitbucket.org/2.0/user`), {
      code: 'ECONNRESET',
      request: { headers },
      config: { headers },
    });

    const error = new BitbucketRequestError('Bitbucket at api.bitbucket.org: GET /2.0/user failed', {
      host: 'api.bitbucket.org',
      method: 'GET',
      path: '/2.0/user',
      cause: raw,
    });

    expect(error.details.cause).toEqual({ name: 'Error', code: 'ECONNRESET', message: 'socket hang up on <url>' });
    expect(findLeaks(serialisations(error), LEAKS)).toEqual([]);
  });

  it('serialises to its name, message, host, path and status only', () => {
    const error = new BitbucketRequestError('Bitbucket at bitbucket.example.com: GET /rest/api/1.0/projects answered 401', {
      host: 'bitbucket.example.com',
      method: 'GET',
      path: '/rest/api/1.0/projects',
      status: 401,
    });

    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'BitbucketRequestError',
      details: { host: 'bitbucket.example.com', method: 'GET', path: '/rest/api/1.0/projects', status: 401 },
    });
  });
});
