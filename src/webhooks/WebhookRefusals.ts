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
  /**
   * The likely cause, in words: a different secret whenever one was seen in the last hour (the one
   * an operator can fix; a flood of unsigned deliveries must not hide it), else the most frequent
   * cause of the last hour, else the last one.
   */
  likelyCause: string;
}

/** More hosts than any config names: attribution only ever names configured hosts, this bounds it regardless. */
const MAX_HOSTS = 100;

interface HostRefusals {
  record: DeliveryRecord;
  byCause: Partial<Record<Refusal, number>>;
  /** Per cause, the last hour by minute. */
  lastHourByCause: Partial<Record<Refusal, DeliveryRecord>>;
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
        refusals = { record: new DeliveryRecord(this.now), byCause: {}, lastHourByCause: {}, last: refusal };
        this.hosts.set(host, refusals);
      }
      refusals.record.received();
      refusals.byCause[refusal] = (refusals.byCause[refusal] ?? 0) + 1;
      (refusals.lastHourByCause[refusal] ??= new DeliveryRecord(this.now)).received();
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
    return Object.assign({}, lastDeliveryAt ? { lastRefusedAt: lastDeliveryAt } : {}, {
      refusedLastHour: deliveriesLastHour,
      byCause: { ...refusals.byCause },
      likelyCause: LIKELY_CAUSE[likelyCause(refusals)],
    });
  }
}

function likelyCause({ lastHourByCause, last }: HostRefusals): Refusal {
  const lastHour = (Object.entries(lastHourByCause) as Array<[Refusal, DeliveryRecord]>)
    .map(([cause, record]) => ({ cause, count: record.health().deliveriesLastHour }))
    .filter(({ count }) => count > 0);
  if (lastHour.some(({ cause }) => cause === 'mismatch')) {
    return 'mismatch';
  }
  const [mostFrequent] = lastHour.sort((a, b) => b.count - a.count);
  return mostFrequent?.cause ?? last;
}
