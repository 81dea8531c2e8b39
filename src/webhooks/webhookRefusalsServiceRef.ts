import { createServiceFactory, createServiceRef } from '@backstage/backend-plugin-api';
import { WebhookRefusals } from './WebhookRefusals';

/**
 * The one {@link WebhookRefusals} of a backend: root-scoped, so the webhook ingress (a module of
 * the events plugin) and the status route (the catalog plugin's) meet in the same instance.
 */
export const webhookRefusalsServiceRef = createServiceRef<WebhookRefusals>({
  id: 'bitbucket-discovery.webhook-refusals',
  scope: 'root',
  defaultFactory: async service => createServiceFactory({ service, deps: {}, factory: () => new WebhookRefusals() }),
});
