import { JsonObject } from '@backstage/types';
import { DEMO_CREDENTIALS } from './demoSimulators';

/** The ports the demo listens on: the backend, and the Bitbucket Server and Cloud simulators. */
export interface DemoPorts {
  backend: number;
  server: number;
  cloud: number;
}

/** What `dev/app-config.yaml` names. */
export const DEFAULT_DEMO_PORTS: DemoPorts = { backend: 7007, server: 7990, cloud: 7991 };

/** `npm start -- --port N --server-port N --cloud-port N`; each flag defaults to {@link DEFAULT_DEMO_PORTS}. */
export function readDemoPorts(flags: { port?: string; 'server-port'?: string; 'cloud-port'?: string }): DemoPorts {
  const read = (flag: keyof typeof flags, fallback: number) => {
    const text = flags[flag];
    if (text === undefined) return fallback;
    const port = Number(text);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`--${flag} must be a port number (1-65535), got ${text}`);
    }
    return port;
  };
  const ports = { backend: read('port', DEFAULT_DEMO_PORTS.backend), server: read('server-port', DEFAULT_DEMO_PORTS.server), cloud: read('cloud-port', DEFAULT_DEMO_PORTS.cloud) };
  if (new Set(Object.values(ports)).size !== 3) {
    throw new Error(`--port, --server-port and --cloud-port must differ, got ${ports.backend}, ${ports.server}, ${ports.cloud}`);
  }
  return ports;
}

/**
 * Config over `dev/app-config.yaml` for other ports: where the backend listens and where the
 * Server integration and provider find the simulator. The Cloud simulator needs none: the demo
 * routes its own requests for bitbucket.org to it, whatever its port.
 */
export function demoPortsConfig(ports: DemoPorts): JsonObject {
  const serverHost = `localhost:${ports.server}`;
  return {
    backend: { baseUrl: `http://localhost:${ports.backend}`, listen: { port: ports.backend } },
    integrations: {
      bitbucketServer: [{ host: serverHost, apiBaseUrl: `http://${serverHost}/rest/api/1.0`, token: DEMO_CREDENTIALS.server.token }],
    },
    catalog: { providers: { bitbucketServer: { acme: { host: serverHost } } } },
  };
}
