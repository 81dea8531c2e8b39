import { createHmac, timingSafeEqual } from 'crypto';

/** What a delivery's `X-Hub-Signature` says about it. */
export type SignatureVerdict = 'valid' | 'missing' | 'unsupported' | 'mismatch';

const SHA256_HEADER = /^sha256=([0-9a-f]{64})$/i;

/**
 * The digest in `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, as both Bitbucket
 * products sign webhook deliveries; `missing` or `unsupported` when there is none, read before
 * any HMAC is computed, so a malformed header costs a flood nothing more.
 */
export function readHubSignature(header: string | string[] | undefined): Buffer | 'missing' | 'unsupported' {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) {
    return 'missing';
  }
  const match = SHA256_HEADER.exec(value.trim());
  return match ? Buffer.from(match[1], 'hex') : 'unsupported';
}

/** Whether `digest` is the HMAC-SHA256 of `rawBody` with `secret`: one HMAC, compared in constant time. */
export function signedWith(rawBody: Buffer, digest: Buffer, secret: string): boolean {
  return timingSafeEqual(createHmac('sha256', secret).update(rawBody).digest(), digest);
}

/** Checks a delivery's `X-Hub-Signature` against every configured secret. */
export function verifyHubSignature(rawBody: Buffer, header: string | string[] | undefined, secrets: string[]): SignatureVerdict {
  const digest = readHubSignature(header);
  if (!Buffer.isBuffer(digest)) {
    return digest;
  }
  return secrets.some(secret => signedWith(rawBody, digest, secret)) ? 'valid' : 'mismatch';
}
