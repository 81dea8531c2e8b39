import { WebhookDeliveryHealth } from '../webhooks/DeliveryRecord';
import { MissedDeliveryHealth } from '../webhooks/MissedDeliveries';
import { WebhookRegistrationHealth } from '../webhooks/registration/WebhookRegistration';
import { RefusedDeliveryHealth } from '../webhooks/WebhookRefusals';
import { BitbucketProduct } from './DiscoveryMetrics';

/** A repository whose last check failed for good; it keeps its previous answer. @public */
export interface BrokenRepositoryStatus {
  /** Server `PROJECT/slug`, Cloud `workspace/slug`. */
  repository: string;
  /** Why, as stored (no credentials in it). */
  error: string;
  /** When the pass last asked about it. */
  visitedAt: string;
}

/** The pass under way, which may span several runs. @public */
export interface CurrentPassStatus {
  startedAt: string;
  /** Whether earlier runs ended before completing it (this pass was resumed). */
  resumed: boolean;
  incompleteRuns: number;
  /** Known repositories this pass has asked about. */
  done: number;
  /** Known repositories this pass has not asked about yet; the listing may still add some. */
  remaining: number;
  /** Why the last run stopped early (no credentials in it). */
  lastError?: string;
}

/** One discovery: a Server provider, a Cloud provider or one `bitbucket-discovery` location. @public */
export interface DiscoveryStatus {
  /** Its state key: `bitbucketServer-provider:<id>`, or the Cloud discovery's key. */
  name: string;
  product: BitbucketProduct;
  /** `provider` discoveries run on the scheduler and can be triggered; `location` ones follow the catalog's processing loop. */
  kind: 'provider' | 'location';
  /** The Server host, or the Cloud workspace. */
  scope: string;
  /** A `bitbucket-discovery` location's target. */
  location?: string;
  /** Absent when no pass is under way. */
  currentPass?: CurrentPassStatus;
  lastCompletePassAt?: string;
  /** `limited` while Bitbucket (or the budget) said no requests before `resumeAfter`. */
  quota: { limited: boolean; resumeAfter?: string };
  repositories: { known: number; withCatalogFile: number; broken: number };
  /** The first {@link BROKEN_LISTED_PER_DISCOVERY} broken repositories, by name. */
  broken: BrokenRepositoryStatus[];
  /** Present when more are broken: the `cursor` of `GET .../status/broken?discovery=<name>` for the rest. */
  brokenCursor?: string;
  /** Deliveries this replica handed the discovery, and, with `webhookRegistration`, how its hooks stand. */
  webhooks?: WebhookStatus;
}

/** A discovery's webhooks as this replica saw them. @public */
export interface WebhookStatus extends WebhookDeliveryHealth {
  /** Changes passes found that no delivery announced: the sign of a broken hook. Present when webhooks are configured. */
  missed?: MissedDeliveryHealth;
  registration?: WebhookRegistrationHealth;
  /**
   * Deliveries the ingress refused (bad or missing signature) for the discovery's host, with the
   * likely cause; present once one was. Counted per replica: each shows the deliveries it received.
   */
  refused?: RefusedDeliveryHealth;
}

/** Broken repositories listed per discovery in `GET .../status`; `repositories.broken` has the full count. */
export const BROKEN_LISTED_PER_DISCOVERY = 20;

/** `GET /api/catalog/bitbucket-discovery/status?limit=&cursor=`: discoveries by name, one page. @public */
export interface BitbucketDiscoveryStatusResponse {
  discoveries: DiscoveryStatus[];
  /** Present when more discoveries follow: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

/** One page of a discovery's broken repositories, by name. @public */
export interface BrokenRepositoryPage {
  broken: BrokenRepositoryStatus[];
  /** Present when more follow: pass it as `cursor` for the next page. */
  nextCursor?: string;
}

/** `GET /api/catalog/bitbucket-discovery/status/broken?discovery=&limit=&cursor=`. @public */
export interface BrokenRepositoriesResponse extends BrokenRepositoryPage {
  discovery: string;
}

/** The filter that keeps a repository out of a discovery. @public */
export interface ExcludingFilter {
  /** The config key under the discovery, e.g. `filters.projectKey`. */
  filter: string;
  /** The pattern or value configured there. */
  value: string;
}

/** What one discovery knows and will do about one repository. @public */
export interface RepositoryCoverage {
  discovery: string;
  product: BitbucketProduct;
  /** Whether the discovery's filters let the repository in (as far as its name tells). */
  covered: boolean;
  /** The filter that excludes it, when not covered. */
  excludedBy?: ExcludingFilter;
  /** Whether the discovery has stored anything about it (a listing named it). */
  known: boolean;
  /** The last check and its answer; absent when never checked. */
  lastCheck?: {
    /** When the answer was learned; absent when no check ever answered (only failures). */
    at?: string;
    answer: 'catalog-file' | 'no-catalog-file' | 'failed';
    /** The failure of the last check, while it keeps failing (no credentials in it). */
    error?: string;
  };
  /** The Location targets the discovery emits for it while it has the catalog file (several for a `catalogPath` glob). */
  emittedTargets?: string[];
  /** Why an unknown repository may be missing, in words. */
  note?: string;
  /** When the discovery will next look at it, besides a webhook delivery for it. */
  nextCheck: {
    /** `current-pass`: the open pass has yet to visit it; `next-pass`: the following one will; `never`: a filter excludes it. */
    when: 'current-pass' | 'next-pass' | 'never';
    /** No request before this time (a spent quota). */
    notBefore?: string;
    /** How often passes run, when the schedule says so, e.g. `PT30M`. */
    every?: string;
  };
}

/** The latest rescan of a repository asked of this replica, and how it went. @public */
export interface RescanStatus {
  /** `queued`: waits for the rescan before it to end; `running`: its checks are under way; then `done` or `failed`. */
  state: 'queued' | 'running' | 'done' | 'failed';
  requestedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Why it failed (no credentials in it). */
  error?: string;
}

/** `GET /api/catalog/bitbucket-discovery/repositories/{projectOrWorkspace}/{slug}` and its `POST .../refresh` once done. @public */
export interface RepositoryStatusResponse {
  repository: string;
  /** Every discovery that could hold it: one entry per discovery of a matching host or workspace. */
  discoveries: RepositoryCoverage[];
  /** The latest rescan asked of this replica, while it is remembered. */
  rescan?: RescanStatus;
}

/** `POST .../repositories/{projectOrWorkspace}/{slug}/refresh` answered 202: the rescan goes on; `statusPath` shows its outcome. @public */
export interface RescanAcceptedResponse {
  repository: string;
  rescan: RescanStatus;
  /** The repository's status route, relative to the catalog's base URL (`/api/catalog`). */
  statusPath: string;
}

/** `POST /api/catalog/bitbucket-discovery/providers/{name}/refresh`. @public */
export interface PassTriggerResponse {
  discovery: string;
  /** The scheduler's task that runs the pass, once across replicas. */
  taskId: string;
}
