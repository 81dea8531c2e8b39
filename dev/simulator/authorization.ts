export type Credentials =
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'bearer'; token: string };

/** Reads an `Authorization` header; undefined when absent or in a scheme Bitbucket does not take. */
export function parseAuthorization(header: string | undefined): Credentials | undefined {
  const match = /^(\w+)\s+(\S+)\s*$/.exec(header ?? '');
  if (!match) return undefined;
  const [, scheme, value] = match;
  if (scheme.toLowerCase() === 'bearer') return { scheme: 'bearer', token: value };
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { scheme: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
