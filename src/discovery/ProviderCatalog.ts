import { LoggerService, SchedulerServiceTaskRunner } from '@backstage/backend-plugin-api';
import { DeferredEntity, EntityProviderConnection } from '@backstage/plugin-catalog-node';
import { DiscoveryMetrics } from '../status/DiscoveryMetrics';
import { CatalogChanges, targetChanges } from './catalogChange';
import { DiscoveryPass } from './DiscoveryPass';
import { DiscoveryStateStore } from './DiscoveryStateStore';
import { PassFlusher } from './PassFlusher';
import { scheduleRefresh } from './providerTaskRunner';
import { recordRepositoryUpdate } from './recordRepositoryUpdate';
import { isRemoval, RepositoryRemoval } from './removalPolicy';
import { LocationTarget, RepositoryState, targetsOf } from './RepositoryState';
import { PassSink } from './runPass';

/**
 * What an entity provider (Server or Cloud) shares with the catalog: its connection, the pass
 * running in this process, and how answers become mutations. Passes and webhooks meet here: a
 * webhook answer joins the running pass, so the pass's commit never undoes it, or goes straight
 * to the state and the catalog.
 */
export class ProviderCatalog implements PassSink {
  private connection?: EntityProviderConnection;
  private running?: { pass: DiscoveryPass; flusher: PassFlusher };

  constructor(
    private readonly deps: {
      /** The provider name: the state key and the entities' location key. */
      name: string;
      product: 'server' | 'cloud';
      store: DiscoveryStateStore;
      metrics: DiscoveryMetrics;
      /** The Location entity for a target (and its repository's default branch, where known). */
      toEntity: (location: LocationTarget) => DeferredEntity['entity'];
    },
  ) {}

  /** Keeps the connection and registers the provider's scheduled refresh (`<name>:refresh`). */
  async connect(
    connection: EntityProviderConnection,
    schedule: { taskRunner: SchedulerServiceTaskRunner; className: string; logger: LoggerService; refresh: (logger: LoggerService, signal: AbortSignal) => Promise<unknown> },
  ): Promise<void> {
    this.connection = connection;
    await scheduleRefresh(Object.assign({}, schedule, { providerName: this.deps.name }));
  }

  /** The pass is under way: answers reach the catalog in batches, and webhook answers join it. */
  start(pass: DiscoveryPass): PassFlusher {
    this.requireConnection();
    const flusher = new PassFlusher(pass, changes => this.applyChanges(changes));
    this.running = { pass, flusher };
    return flusher;
  }

  /**
   * A run that did not complete its pass: what it (and any webhook meanwhile) recorded is stored
   * and handed to the catalog, then webhooks go to the store again.
   */
  async endIncomplete(logger: LoggerService, what: string): Promise<void> {
    try {
      await this.running?.flusher.drain(() => (this.running = undefined));
    } catch (error) {
      logger.error(`${what} could not store its progress: ${(error as Error).message}`);
    } finally {
      this.running = undefined;
    }
  }

  /**
   * A complete pass: one full mutation with every target (between flushes, so no webhook's
   * delta lands while it is on its way), then whatever webhooks taught the pass or the store
   * (another replica) meanwhile as a delta, then webhooks go to the store again. Returns the
   * committed targets.
   */
  async commitComplete(pass: DiscoveryPass): Promise<string[]> {
    const connection = this.requireConnection();
    const running = this.running;
    try {
      const locations = pass.locations();
      const full = () => connection.applyMutation({ type: 'full', entities: locations.map(location => this.deferred(location)) });
      await (running ? running.flusher.exclusive(full) : full());
      // Another replica's webhook may have stored (and applied) a newer answer while the full mutation was on its way.
      await pass.reconcile();
      await this.applyChanges(targetChanges(locations, pass.locations()));
      await running?.flusher.drain(() => (this.running = undefined));
      return locations.map(location => location.target);
    } finally {
      // Also when the catalog or the store failed: later webhooks must not join a finished pass.
      this.running = undefined;
    }
  }

  /**
   * One repository's news from a webhook or a rescan, as Bitbucket answered it (a removal only
   * on the evidence of removalPolicy): into the running pass or the state, then the catalog; the
   * files it stands for are read again now rather than at the next loop.
   */
  async record(key: string, answer: RepositoryState | RepositoryRemoval): Promise<void> {
    const connection = this.connection;
    if (!connection) {
      return;
    }
    const next = isRemoval(answer) ? undefined : answer;
    const running = this.running;
    const changes = await recordRepositoryUpdate({ store: this.deps.store, discovery: this.deps.name, key, answer, running: running?.pass });
    await (changes ? this.applyChanges(changes) : running?.flusher.flush());
    const targets = targetsOf(next);
    if (targets.length > 0) {
      await connection.refresh({ keys: targets.map(target => `url:${target}`) });
    }
  }

  private async applyChanges(changes: CatalogChanges): Promise<void> {
    if (changes.added.length === 0 && changes.removed.length === 0) {
      return;
    }
    this.deps.metrics.locationsChanged(this.deps.product, this.deps.name, changes.added.length, changes.removed.length);
    await this.requireConnection().applyMutation({
      type: 'delta',
      added: changes.added.map(location => this.deferred(location)),
      removed: changes.removed.map(target => this.deferred({ target })),
    });
  }

  private deferred(location: LocationTarget): DeferredEntity {
    return { entity: this.deps.toEntity(location), locationKey: this.deps.name };
  }

  private requireConnection(): EntityProviderConnection {
    if (!this.connection) {
      throw new Error(`${this.deps.name} is not connected to the catalog yet`);
    }
    return this.connection;
  }
}
