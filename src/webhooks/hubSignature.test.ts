import { createHmac } from 'crypto';
import { verifyHubSignature } from './hubSignature';

const body = Buffer.from('{"eventKey":"repo:refs_changed"}');
const sign = (secret: string, payload: Buffer = body, algorithm = 'sha256') =>
  `${algorithm}=${createHmac(algorithm, secret).update(payload).digest('hex')}`;

describe('verifyHubSignature', () => {
  it.each([
    ['a signature made with the secret', sign('s3cret'), 'valid'],
    ['the same in upper-case hex', sign('s3cret').replace(/=(.*)$/, (_, hex: string) => `=${hex.toUpperCase()}`), 'valid'],
    ['one made with another of the configured secrets', sign('other'), 'valid'],
    ['no header', undefined, 'missing'],
    ['an empty header', '', 'missing'],
    ['a wrong secret', sign('guess'), 'mismatch'],
    ['a signature of another body', sign('s3cret', Buffer.from('{}')), 'mismatch'],
    ['sha1 instead of sha256', sign('s3cret', body, 'sha1'), 'unsupported'],
    ['a truncated digest', sign('s3cret').slice(0, 40), 'unsupported'],
    ['no algorithm prefix', sign('s3cret').slice('sha256='.length), 'unsupported'],
  ])('%s: %s', (_name, header, verdict) => {
    expect(verifyHubSignature(body, header, ['s3cret', 'other'])).toBe(verdict);
  });
});
