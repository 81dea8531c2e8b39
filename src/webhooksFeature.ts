/**
 * `backend.add(import('backstage-plugin-catalog-backend-module-bitbucket-discovery/webhooks'))`:
 * the webhook ingress, a module of the events plugin. Its own entry point, added beside
 * `@backstage/plugin-events-backend`: in the default export, a backend without the events plugin
 * would list plugin 'events' as still initializing on every start.
 *
 * @packageDocumentation
 */
export { eventsModuleBitbucketDiscoveryWebhooks as default } from './webhooks/eventsModule';
