import { createServer } from 'node:net';

/** A port nothing listens on right now, for servers that must be told their port up front. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise(resolve => server.close(resolve));
  if (address === null || typeof address === 'string') {
    throw new Error(`Unexpected server address ${address}`);
  }
  return address.port;
}
