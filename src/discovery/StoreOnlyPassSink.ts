import { DiscoveryPass } from './DiscoveryPass';
import { PassFlusher } from './PassFlusher';
import { PassSink } from './runPass';

/**
 * The sink of a discovery without a catalog connection (the Cloud processor emits what the
 * state knows on each read): answers go to the state store only, as the run goes. While the
 * pass runs it is listed in `running`, so a webhook's answer joins it instead of racing it.
 */
export class StoreOnlyPassSink implements PassSink {
  private flusher?: PassFlusher;
  private pass?: DiscoveryPass;

  constructor(
    private readonly running: Map<string, DiscoveryPass>,
    /** A store write that fails is reported here: it costs a rescan later, never the run's fresh result. */
    private readonly storeFailed: (error: unknown) => void,
  ) {}

  start(pass: DiscoveryPass): PassFlusher {
    this.pass = pass;
    this.flusher = new PassFlusher(pass, async () => undefined);
    this.running.set(pass.discovery, pass);
    return this.flusher;
  }

  async endIncomplete(): Promise<void> {
    await this.release();
  }

  async commitComplete(pass: DiscoveryPass): Promise<string[]> {
    await this.release();
    return pass.targets();
  }

  /** Stores what the pass (and any webhook joining it) recorded, then webhooks go to the store again. */
  private async release(): Promise<void> {
    const discovery = this.pass?.discovery;
    if (discovery === undefined) {
      return;
    }
    try {
      await this.flusher?.drain(() => this.running.delete(discovery));
    } catch (error) {
      this.storeFailed(error);
    } finally {
      this.running.delete(discovery);
    }
  }
}
