import { DEFAULT_DEMO_PORTS, demoPortsConfig, readDemoPorts } from './demoPorts';

describe('the demo ports', () => {
  it('default to the ports dev/app-config.yaml names', () => {
    expect(readDemoPorts({})).toEqual({ backend: 7007, server: 7990, cloud: 7991 });
  });

  it('are read from --port, --server-port and --cloud-port, and must be port numbers that differ', () => {
    expect(readDemoPorts({ port: '8007', 'server-port': '8990', 'cloud-port': '8991' })).toEqual({ backend: 8007, server: 8990, cloud: 8991 });
    expect(() => readDemoPorts({ 'server-port': 'x' })).toThrow('--server-port must be a port number (1-65535), got x');
    expect(() => readDemoPorts({ port: '70000' })).toThrow('--port must be a port number');
    expect(() => readDemoPorts({ port: '7990' })).toThrow('must differ, got 7990, 7990, 7991');
  });

  it('move the backend and the Server integration and provider together', () => {
    const config = demoPortsConfig({ ...DEFAULT_DEMO_PORTS, backend: 8007, server: 8990 });
    expect(config).toMatchObject({
      backend: { baseUrl: 'http://localhost:8007', listen: { port: 8007 } },
      integrations: { bitbucketServer: [{ host: 'localhost:8990', apiBaseUrl: 'http://localhost:8990/rest/api/1.0' }] },
      catalog: { providers: { bitbucketServer: { acme: { host: 'localhost:8990' } } } },
    });
  });
});
