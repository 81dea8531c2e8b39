/** The `X-Event-Key`s discovery knows; anything else is measured as `other`, so a sender cannot grow the attribute set. */
const KNOWN_EVENT_KEYS = new Set([
  'repo:refs_changed',
  'repo:modified',
  'repo:push',
  'repo:updated',
  'repo:transfer',
  'repo:deleted',
  'diagnostics:ping',
]);

/** A bounded metric attribute value for a delivery's event key. */
export function webhookEventName(eventKey: string | undefined): string {
  if (eventKey === undefined) {
    return 'none';
  }
  return KNOWN_EVENT_KEYS.has(eventKey) ? eventKey : 'other';
}
