import { LoggerService } from '@backstage/backend-plugin-api';

/** Why the ingress refused a delivery. */
export type Refusal = 'missing' | 'unsupported' | 'mismatch' | 'unconfigured';

/** Each refusal's likely cause, as the log and the status route say it. */
export const LIKELY_CAUSE: Record<Refusal, string> = {
  missing: 'no X-Hub-Signature: set the same secret on the webhook in Bitbucket, or allowUnsignedWebhooks',
  unsupported: 'X-Hub-Signature is not sha256=<hex>',
  mismatch: 'signed with a different secret than the webhookSecret configured here',
  unconfigured: 'no webhookSecret is configured for this topic and no discovery sets allowUnsignedWebhooks',
};

/** How often refusals are summed up in one line. */
export const REFUSAL_SUMMARY_MS = 60_000;

/**
 * Logs refused deliveries without letting a flood write a line each: the first refusal of an
 * interval is logged at once with its likely cause, the rest as one summary line when the
 * interval ends. Memory is one counter per topic and cause.
 */
export class RefusalLog {
  private counts = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly logger: LoggerService,
    private readonly intervalMs: number = REFUSAL_SUMMARY_MS,
  ) {}

  refused(topic: string, refusal: Refusal, eventKey: string): void {
    const key = `${topic}\u0000${refusal}`;
    const count = this.counts.get(key) ?? 0;
    if (count === 0 && !this.timer) {
      this.logger.warn(`Refused a ${topic} webhook delivery (${eventKey}): ${LIKELY_CAUSE[refusal]}`);
    }
    this.counts.set(key, count + 1);
    this.timer ??= setTimeout(() => this.summarize(), this.intervalMs).unref();
  }

  private summarize(): void {
    this.timer = undefined;
    const counts = this.counts;
    this.counts = new Map();
    const parts = [...counts].map(([key, count]) => {
      const [topic, refusal] = key.split('\u0000') as [string, Refusal];
      return `${count} to ${topic} (${LIKELY_CAUSE[refusal]})`;
    });
    const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
    // The first one was logged as it came.
    if (total > 1) {
      this.logger.warn(`Refused ${total} webhook deliveries in the last ${Math.round(this.intervalMs / 1000)} s: ${parts.join('; ')}`);
    }
  }
}
