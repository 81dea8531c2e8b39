import { createHmac, timingSafeEqual } from 'crypto';

/** What a delivery's `X-Hub-Signature` says about it. */
export type SignatureVerdict = 'valid' | 'missing' | 'unsupported' | 'mismatch';

/**
 * Checks `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, as both Bitbucket products
 * sign webhook deliveries, against every configured secret, in constant time per comparison.
 */
export function verifyHubSignature(rawBody: Buffer, header: string | string[] | undefined, secrets: string[]): SignatureVerdict {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) {
    return 'missing';
  }
  const match = /^sha256=([0-9a-f]{64})$/i.exec(value.trim());
  if (!match) {
    return 'unsupported';
  }
  const given = Buffer.from(match[1].toLowerCase(), 'hex');
  const valid = secrets.some(secret => timingSafeEqual(createHmac('sha256', secret).update(rawBody).digest(), given));
  return valid ? 'valid' : 'mismatch';
}
