import { Config } from '@backstage/config';
import { RootInstanceMetadataService } from '@backstage/backend-plugin-api';

/**
 * Whether webhook deliveries can reach this backend's discoveries: the events plugin (whose HTTP
 * ingress receives them) runs in this backend, or `events.useEventBus: always` says another
 * backend instance hosts it. Without either, subscribing would only make the events service look
 * for an events backend over HTTP and warn on every start.
 */
export async function webhookDeliveriesReachUs(instanceMetadata: RootInstanceMetadataService, config: Config): Promise<boolean> {
  if (config.getOptionalString('events.useEventBus') === 'always') {
    return true;
  }
  const plugins = await instanceMetadata.getInstalledPlugins();
  return plugins.some(plugin => plugin.pluginId === 'events');
}
