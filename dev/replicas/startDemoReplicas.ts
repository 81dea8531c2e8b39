import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_BACKEND_URL, DEMO_CONFIG_FILE, DEMO_SIMULATOR_PORTS } from '../demoBackend';
import { DemoSimulators, startDemoSimulators } from '../demoSimulators';
import { replicaConfig, SharedServices } from './replicaConfig';
import { Replica, startReplica } from './startReplica';
import { writeConfigFile } from './writeConfigFile';

/** The first replica listens where the single demo backend does; the others on the next ports. */
export const FIRST_REPLICA_PORT = Number(new URL(DEMO_BACKEND_URL).port);

export interface DemoReplicas {
  replicas: Replica[];
  simulators: DemoSimulators;
  stop(): Promise<void>;
}

/**
 * The demo as a cluster: the simulators, then `count` replicas of the demo backend, each a
 * process of its own on ports 7007, 7008, ..., all on one PostgreSQL and one Redis. One at a
 * time: the first migrates the databases, and the catalog's migration lock makes two fresh
 * replicas that start at once fail. Each replica's log lines are printed with its port.
 */
export async function startDemoReplicas(count: number, services: SharedServices): Promise<DemoReplicas> {
  // The simulators deliver webhooks to the first replica, as a load balancer would to any one.
  const simulators = await startDemoSimulators(DEMO_SIMULATOR_PORTS, DEMO_BACKEND_URL);
  const configDir = await mkdtemp(join(tmpdir(), 'bitbucket-discovery-replicas-'));
  const replicas: Replica[] = [];
  const stop = async () => {
    await Promise.all(replicas.map(replica => replica.stop()));
    await simulators.stop();
    await rm(configDir, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < count; index += 1) {
      const port = FIRST_REPLICA_PORT + index;
      const ownConfig = await writeConfigFile(configDir, `replica-${port}.json`, replicaConfig(port, services));
      replicas.push(
        await startReplica({
          name: String(port),
          configFiles: [DEMO_CONFIG_FILE, ownConfig],
          routeCloudTo: simulators.cloud.url,
          onLine: line => console.log(`[${port}] ${line}`),
        }),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { replicas, simulators, stop };
}
