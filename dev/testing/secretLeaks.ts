/**
 * Every form in which a secret could escape: as is, percent-encoded (in a URL), base64
 * and base64url on its own, and inside the Basic `user:secret` pair.
 */
export function secretForms(secret: string, username?: string): string[] {
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
  ]);
  if (username !== undefined) {
    forms.add(Buffer.from(`${username}:${secret}`).toString('base64'));
  }
  return [...forms];
}

/**
 * Flattens anything a scan produced into searchable text: errors with their stack,
 * own properties and cause chain (where a wrapped fetch error would hide a header),
 * everything else as JSON.
 */
export function textOf(value: unknown, seen = new Set<unknown>()): string {
  if (value === null || value === undefined) {
    return String(value);
  }
  if (typeof value !== 'object') {
    return String(value);
  }
  if (seen.has(value)) {
    return '';
  }
  seen.add(value);
  if (value instanceof Error) {
    const own = Object.entries(value).map(([key, inner]) => `${key}=${textOf(inner, seen)}`);
    return [value.name, value.message, value.stack ?? '', ...own, textOf(value.cause, seen)].join('\n');
  }
  if (Array.isArray(value)) {
    return value.map(inner => textOf(inner, seen)).join('\n');
  }
  return Object.entries(value as Record<string, unknown>)
    .map(([key, inner]) => `${key}=${textOf(inner, seen)}`)
    .join('\n');
}

/** The secret forms found anywhere in `values`; empty when nothing leaked. */
export function findLeaks(values: unknown[], forms: string[]): string[] {
  const text = values.map(value => textOf(value)).join('\n');
  return forms.filter(form => text.includes(form));
}
