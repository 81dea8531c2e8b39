import { WebhookStatus } from '../status/statusTypes';
import { DeliveryRecord } from './DeliveryRecord';
import { MissedDeliveries } from './MissedDeliveries';
import { WebhookRegistrationConfig } from './registration/readWebhookRegistration';
import { WebhookRegistration } from './registration/WebhookRegistration';
import { HookPlaceStore } from './registration/HookPlaceStore';
import { WebhookRefusals } from './WebhookRefusals';

/**
 * One discovery's webhooks as this replica sees them: the deliveries it was handed, the changes
 * its passes found that no delivery announced (when webhooks are configured), and its hooks'
 * registration (with `webhookRegistration`).
 */
export class WebhookHealth {
  readonly deliveries = new DeliveryRecord();
  readonly missed?: MissedDeliveries;
  readonly registration?: WebhookRegistration;
  private readonly refusals?: { record?: WebhookRefusals; host: string };

  constructor(options: {
    /** Names the discovery in log lines, e.g. `provider 'main' (host bitbucket.example.com)`. */
    label: string;
    /** The discovery's state key, under which its places with repository hooks are kept in `hookPlaces`. */
    discovery: string;
    hookPlaces: HookPlaceStore;
    config: { webhookSecret?: string; allowUnsignedWebhooks: boolean; webhookRegistration?: WebhookRegistrationConfig };
    /** The events a registered hook subscribes to. */
    events: string[];
    /** Whether its passes notice missed deliveries (default: when webhooks are configured). */
    noticesMissed?: boolean;
    /** The ingress's refusals, and the host whose the discovery shows. */
    refusals?: { record?: WebhookRefusals; host: string };
  }) {
    this.refusals = options.refusals;
    const { label, discovery, hookPlaces, config, events } = options;
    const webhooksOn = Boolean(config.webhookSecret || config.allowUnsignedWebhooks || config.webhookRegistration);
    if (options.noticesMissed ?? webhooksOn) {
      this.missed = new MissedDeliveries(label);
    }
    if (config.webhookRegistration) {
      this.registration = new WebhookRegistration({ label, discovery, store: hookPlaces, config: config.webhookRegistration, secret: config.webhookSecret, events });
    }
  }

  status(): WebhookStatus {
    const registration = this.registration?.health();
    const refused = this.refusals && this.refusals.record?.health(this.refusals.host);
    return Object.assign(
      {},
      this.deliveries.health(),
      this.missed ? { missed: this.missed.health() } : {},
      registration ? { registration } : {},
      refused ? { refused } : {},
    );
  }
}
