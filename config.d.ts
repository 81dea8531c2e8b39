import { HumanDuration } from '@backstage/types';
import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

/** A duration as an object (`{ seconds: 30 }`) or a string (`'30s'`, `'PT30S'`). */
type Duration = HumanDuration | string;

/**
 * A client-side request budget: at most `requests` in any window of `per`, so Bitbucket's
 * limiter is never hit. For a Data Center token bucket keep `requests` at or below its burst.
 */
interface RateLimit {
  /** Requests allowed per window, 1 to 100000. */
  requests: number;
  /** The window, e.g. `{ hours: 1 }` for Cloud's hourly quota or `{ seconds: 1 }` for a Data Center limiter. */
  per: Duration;
}

/** One Bitbucket Server / Data Center discovery provider. */
interface BitbucketServerProviderConfig {
  /** Host of an `integrations.bitbucketServer` entry (which holds the credentials), e.g. `bitbucket.example.com`. */
  host: string;
  /** Path of the catalog file from the repository root; leading slash optional; a glob (`*` within a segment, `**` across segments) finds several per repository. Default `/catalog-info.yaml`. */
  catalogPath?: string;
  /** The branch to discover from, e.g. `release`. Default: each repository's default branch. */
  branch?: string;
  /** A glob's listing reads at most this many file paths per repository, 1 to 100000. Default 5000. */
  maxFilesPerRepository?: number;
  filters?: {
    /** Regular expression over project keys, unanchored (`RegExp.test`): write `^KEY$` for an exact key. */
    projectKey?: string;
    /** Regular expression over repository slugs, unanchored (`RegExp.test`). */
    repoSlug?: string;
    /** Leave out archived repositories (Data Center 8+). Default false. */
    skipArchivedRepos?: boolean;
  };
  /** Check each candidate for the catalog file before emitting its Location. Default true. */
  validateLocationsExist?: boolean;
  /** When to scan. Default: every 30 minutes, 25-minute timeout, first run 10 seconds after start. */
  schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
  /** Items per listing page, 1 to 1000. Default 1000. */
  pageSize?: number;
  /** Requests in flight at most, 1 to 64. Default 10. */
  concurrency?: number;
  /** Time limit of one HTTP request before it is retried. Default 30 seconds. */
  requestTimeout?: Duration;
  /** Client-side pacing for this provider's requests. Default: none (a pace is learned from 429s). */
  rateLimit?: RateLimit;
  /**
   * Webhook deliveries to `/api/events/http/bitbucketServer` for this provider's host are checked against it (`X-Hub-Signature`). Without it, deliveries are refused (401) unless `allowUnsignedWebhooks` is true.
   * @visibility secret
   */
  webhookSecret?: string;
  /** Accept unsigned webhook deliveries: they can only trigger checks, never remove or move a Location on their word. Default false (refused with 401). */
  allowUnsignedWebhooks?: boolean;
  /** This module creates and keeps its own webhook in Bitbucket (one per project on Data Center, per workspace on Cloud), before each pass. Needs webhookSecret. Default: not registered. */
  webhookRegistration?: {
    /** The public URL of the events ingress Bitbucket delivers to, e.g. `https://backstage.example.com/api/events/http/bitbucketServer`. */
    url: string;
    /** Log what would be written, write nothing. Default false. */
    dryRun?: boolean;
    /** Remove the hooks this module created, and create none. Default false. */
    remove?: boolean;
  };
  /** How old a catalog file the catalog reads through this module may be before Bitbucket is asked again, e.g. `'1h'`; `'0s'` asks on every read. Default: unbounded with webhookSecret set (webhooks and passes keep files current), else 0. */
  maxStaleness?: Duration;
}

/** One Bitbucket Cloud discovery provider; the first five keys are those of Backstage's upstream Cloud provider. Credentials: `integrations.bitbucketCloud`. */
interface BitbucketCloudProviderConfig {
  /** The workspace id, as in `https://bitbucket.org/<workspace>/`. Required. */
  workspace: string;
  /** Path of the catalog file from the repository root; leading slash optional; a glob (`*` within a segment, `**` across segments) finds several per repository. Default `/catalog-info.yaml`. */
  catalogPath?: string;
  filters?: {
    /** Regular expression over project keys, matched against the whole key (`^` and `$` are added when missing). */
    projectKey?: string;
    /** Regular expression over repository slugs, matched against the whole slug. */
    repoSlug?: string;
  };
  /** When to scan. Default: every 30 minutes, 25-minute timeout, first run 10 seconds after start. */
  schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
  /** Repositories per listing page, 1 to 100. Default 100. */
  pagelen?: number;
  /** The branch to discover from, e.g. `release`. Default: each repository's main branch. */
  branch?: string;
  /** A glob's listing reads at most this many files per repository, 1 to 100000. Default 5000. */
  maxFilesPerRepository?: number;
  /** Requests in flight at most, 1 to 64. Default 10. */
  concurrency?: number;
  /** Time limit of one HTTP request before it is retried. Default 30 seconds. */
  requestTimeout?: Duration;
  /** Client-side pacing for this provider's requests, e.g. `{ requests: 900, per: { hours: 1 } }`. Default: none. */
  rateLimit?: RateLimit;
  /**
   * Webhook deliveries to `/api/events/http/bitbucketCloud` are checked against it (`X-Hub-Signature`). Without any Cloud secret, deliveries are refused (401) unless `allowUnsignedWebhooks` is true.
   * @visibility secret
   */
  webhookSecret?: string;
  /** Accept unsigned webhook deliveries: they can only trigger checks, never remove or move a Location on their word. Default false (refused with 401). */
  allowUnsignedWebhooks?: boolean;
  /** This module creates and keeps its own webhook in Bitbucket (one per project on Data Center, per workspace on Cloud), before each pass. Needs webhookSecret. Default: not registered. */
  webhookRegistration?: {
    /** The public URL of the events ingress Bitbucket delivers to, e.g. `https://backstage.example.com/api/events/http/bitbucketServer`. */
    url: string;
    /** Log what would be written, write nothing. Default false. */
    dryRun?: boolean;
    /** Remove the hooks this module created, and create none. Default false. */
    remove?: boolean;
  };
  /** How old a catalog file the catalog reads through this module may be before Bitbucket is asked again, e.g. `'1h'`; `'0s'` asks on every read. Default: unbounded with webhookSecret set (webhooks and passes keep files current), else 0. */
  maxStaleness?: Duration;
}

export interface Config {
  catalog?: {
    providers?: {
      /**
       * Bitbucket Server / Data Center discovery: one provider object (id `default`),
       * or a map of provider id to provider object.
       */
      bitbucketServer?: BitbucketServerProviderConfig | { [id: string]: BitbucketServerProviderConfig };
      /**
       * Bitbucket Cloud discovery, a drop-in for Backstage's own Cloud provider: one provider
       * object (id `default`), or a map of provider id to provider object.
       */
      bitbucketCloud?: BitbucketCloudProviderConfig | { [id: string]: BitbucketCloudProviderConfig };
    };
    processors?: {
      /** Tuning of the `bitbucket-discovery` (Bitbucket Cloud) location processor. */
      bitbucketCloudDiscovery?: {
        /** How long a discovery result is re-emitted without any API request. Default 30 minutes. */
        cacheTtl?: Duration;
        /** Requests in flight at most, 1 to 64. Default 10. */
        concurrency?: number;
        /** Time limit of one HTTP request before it is retried. Default 30 seconds. */
        requestTimeout?: Duration;
        /** Client-side pacing per Cloud integration host, e.g. `{ requests: 1000, per: { hours: 1 } }`. Default: none. */
        rateLimit?: RateLimit;
        /** A glob catalogPath's listing reads at most this many files per repository, 1 to 100000. Default 5000. */
        maxFilesPerRepository?: number;
        /**
         * Webhook deliveries to `/api/events/http/bitbucketCloud` are checked against it (`X-Hub-Signature`). Without any Cloud secret, deliveries are refused (401) unless `allowUnsignedWebhooks` is true.
         * @visibility secret
         */
        webhookSecret?: string;
        /** Accept unsigned webhook deliveries: they can only trigger checks, never remove or move a Location on their word. Default false (refused with 401). */
        allowUnsignedWebhooks?: boolean;
        /** This module creates and keeps its own webhook in Bitbucket (one per workspace a location discovers), before each pass. Needs webhookSecret. Default: not registered. */
        webhookRegistration?: {
          /** The public URL of the events ingress Bitbucket delivers to, e.g. `https://backstage.example.com/api/events/http/bitbucketServer`. */
          url: string;
          /** Log what would be written, write nothing. Default false. */
          dryRun?: boolean;
          /** Remove the hooks this module created, and create none. Default false. */
          remove?: boolean;
        };
        /** How old a catalog file the catalog reads through this module may be before Bitbucket is asked again; `'0s'` asks on every read. Default: unbounded with webhookSecret set, else 0. */
        maxStaleness?: Duration;
      };
    };
    /** The module's own routes under `/api/catalog/bitbucket-discovery`. */
    bitbucketDiscovery?: {
      /** `POST .../repositories/{owner}/{slug}/refresh`. */
      rescans?: {
        /** How long a rescan request waits for its checks before answering 202 (the repository's status route then shows the outcome), at most 10 seconds. Default 8 seconds. */
        answerWithin?: Duration;
        /** Repositories whose rescan is queued or running at once, 1 to 10000; beyond it the route answers 503. Default 50. */
        maxInFlight?: number;
      };
    };
  };
}
