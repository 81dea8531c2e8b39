import { DeliveryRecord } from './DeliveryRecord';
import { LIKELY_CAUSE, Refusal } from './RefusalLog';

/**
 * What the status route shows of the deliveries the ingress refused for a discovery's host, as
 * this replica saw them: a load balancer spreads deliveries, so each replica shows its own share.
 * @public
 */
export interface RefusedDeliveryHealth {
  lastRefusedAt?: string;
  refusedLastHour: number;
  /** Since this replica started, by why: `mismatch` (signed with a different secret), `missing` (unsigned), `unsupported` (not sha256), `unconfigured` (no secret here). */
  byCause: Partial<Record<Refusal, number>>;
  /** The last refusal's likely cause, in words. */
  likelyCause: string;
}

/** More hosts than any config names: attribution only ever names configured hosts, this bounds it regardless. */
const MAX_HOSTS = 100;

interface HostRefusals {
  record: DeliveryRecord;
  byCause: Partial<Record<Refusal, number>>;
  last: Refusal;
}

/**
 * Refused webhook deliveries per Bitbucket host, kept where the ingress (the events plugin)
 * records them and the status route (the catalog plugin's) reads them: per host, sixty
 * per-minute counters and one counter per cause, so a flood of forgeries costs no memory.
 * Never holds a signature, a secret or a body.
 *
 * @public
 */
export class WebhookRefusals {
  private readonly hosts = new Map<string, HostRefusals>();

  constructor(private readonly now: () => number = Date.now) {}

  refused(hosts: string[], refusal: Refusal): void {
    for (const host of hosts) {
      let refusals = this.hosts.get(host);
      if (!refusals) {
        if (this.hosts.size >= MAX_HOSTS) continue;
        refusals = { record: new DeliveryRecord(this.now), byCause: {}, last: refusal };
        this.hosts.set(host, refusals);
      }
      refusals.record.received();
      refusals.byCause[refusal] = (refusals.byCause[refusal] ?? 0) + 1;
      refusals.last = refusal;
    }
  }

  /** Undefined while nothing was refused for the host. */
  health(host: string): RefusedDeliveryHealth | undefined {
    const refusals = this.hosts.get(host);
    if (!refusals) {
      return undefined;
    }
    const { lastDeliveryAt, deliveriesLastHour } = refusals.record.health();
    return {
      ...(lastDeliveryAt ? { lastRefusedAt: lastDeliveryAt } : {}),
      refusedLastHour: deliveriesLastHour,
      byCause: { ...refusals.byCause },
      likelyCause: LIKELY_CAUSE[refusals.last],
    };
  }
}
