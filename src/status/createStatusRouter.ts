import { HttpAuthService, LoggerService, PermissionsService, SchedulerService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { catalogEntityReadPermission, catalogEntityRefreshPermission } from '@backstage/plugin-catalog-common/alpha';
import { AuthorizeResult, ResourcePermission } from '@backstage/plugin-permission-common';
import express, { NextFunction, Request, Response } from 'express';
import { QueueFullError } from '../webhooks/RepositoryUpdateQueue';
import { BitbucketRequestError } from '../http/BitbucketRequestError';
import { QuotaSpentError } from '../http/QuotaSpentError';
import { DiscoveryStatusSource } from './DiscoveryStatusSource';
import { decodeCursor, encodeCursor, readLimit } from './pageCursor';
import { RescanConfig, RESCAN_DEFAULTS } from './readRescanConfig';
import { readRepositoryName, RepositoryName } from './repositoryName';
import { RequestedRescan, RescanTracker, TooManyRescansError } from './RescanTracker';
import { settleWithin } from './settleWithin';
import {
  BitbucketDiscoveryStatusResponse,
  BrokenRepositoriesResponse,
  DiscoveryStatus,
  PassTriggerResponse,
  RepositoryCoverage,
  RepositoryStatusResponse,
  RescanAcceptedResponse,
} from './statusTypes';

/** Where the routes live under the catalog plugin's router (`/api/catalog`). */
export const STATUS_ROUTE_PREFIX = '/bitbucket-discovery';
/** Discoveries per status page: the default, and the most a `limit` may ask for. */
const DISCOVERIES_PER_PAGE = { fallback: 20, max: 100 };
/** Broken repositories per page of `/status/broken`. */
const BROKEN_PER_PAGE = { fallback: 100, max: 1000 };

export interface StatusRouterOptions {
  /** Read at each request, so a discovery added after start (the Cloud provider) is served too. */
  sources: () => DiscoveryStatusSource[];
  scheduler: Pick<SchedulerService, 'triggerTask'>;
  permissions: PermissionsService;
  httpAuth: HttpAuthService;
  logger: LoggerService;
  rescans?: RescanConfig;
}

/**
 * The operator's view of discovery: status per discovery (paged), one repository explained, and
 * the two rescan actions. Reading needs the catalog's read permission, the actions also its
 * refresh permission, each as an unconditional allow: these routes show and act on repositories
 * by name, not on catalog entities a conditional decision could be applied to.
 */
export function createStatusRouter(options: StatusRouterOptions): express.Router {
  const { sources, scheduler, permissions, httpAuth, logger } = options;
  const { answerWithinMs, maxInFlight } = options.rescans ?? RESCAN_DEFAULTS;
  const rescans = new RescanTracker<RepositoryCoverage[]>(maxInFlight);
  const router = express.Router();

  const requirePermissions = async (req: Request, required: ResourcePermission[], action: string) => {
    const credentials = await httpAuth.credentials(req);
    const decisions = await permissions.authorizeConditional(
      required.map(permission => ({ permission })),
      { credentials },
    );
    const refused = required.filter((_, i) => decisions[i]?.result !== AuthorizeResult.ALLOW);
    if (refused.length > 0) {
      throw new NotAllowedError(
        `${action} needs the ${refused.map(p => p.name).join(' and ')} permission${refused.length > 1 ? 's' : ''}, ` +
          'unconditionally allowed (a conditional decision, such as one limited to owned entities, does not apply to repositories by name)',
      );
    }
  };
  const requireRead = (req: Request) => requirePermissions(req, [catalogEntityReadPermission], 'Reading discovery status');

  const rescanEverywhere = async ({ owner, slug }: RepositoryName) =>
    (await Promise.all(sources().map(source => source.rescan(owner, slug)))).flat();

  router.get(
    `${STATUS_ROUTE_PREFIX}/status`,
    handle(async (req, res) => {
      await requireRead(req);
      const limit = readLimit(req.query.limit, DISCOVERIES_PER_PAGE.fallback, DISCOVERIES_PER_PAGE.max);
      const after = decodeCursor(req.query.cursor);
      const owners = new Map<string, DiscoveryStatusSource>();
      for (const source of sources()) {
        for (const name of await source.discoveryNames()) {
          owners.set(name, source);
        }
      }
      const names = [...owners.keys()].filter(name => after === undefined || name > after).sort();
      const page = names.slice(0, limit);
      const described = await Promise.all(page.map(name => owners.get(name)!.describe(name)));
      const body: BitbucketDiscoveryStatusResponse = {
        discoveries: described.filter((status): status is DiscoveryStatus => status !== undefined),
        ...(names.length > limit ? { nextCursor: encodeCursor(page[page.length - 1]) } : {}),
      };
      res.json(body);
    }),
  );

  router.get(
    `${STATUS_ROUTE_PREFIX}/status/broken`,
    handle(async (req, res) => {
      await requireRead(req);
      const { discovery } = req.query;
      if (typeof discovery !== 'string' || discovery === '') {
        throw new InputError('Name the discovery: ?discovery=<name> (a name from GET .../status)');
      }
      const limit = readLimit(req.query.limit, BROKEN_PER_PAGE.fallback, BROKEN_PER_PAGE.max);
      const afterKey = decodeCursor(req.query.cursor);
      for (const source of sources()) {
        const page = await source.readBroken(discovery, { afterKey, limit });
        if (page) {
          const body: BrokenRepositoriesResponse = { discovery, ...page };
          res.json(body);
          return;
        }
      }
      throw new NotFoundError('No Bitbucket discovery has that name');
    }),
  );

  router.get(
    `${STATUS_ROUTE_PREFIX}/repositories/:owner/:slug`,
    handle(async (req, res) => {
      await requireRead(req);
      const name = readRepositoryName(req.params.owner, req.params.slug);
      const discoveries = (await Promise.all(sources().map(source => source.explain(name.owner, name.slug)))).flat();
      const rescan = rescans.status(name.full);
      const body: RepositoryStatusResponse = { repository: name.full, discoveries, ...(rescan ? { rescan } : {}) };
      res.json(body);
    }),
  );

  router.post(
    `${STATUS_ROUTE_PREFIX}/repositories/:owner/:slug/refresh`,
    handle(async (req, res) => {
      await requirePermissions(req, [catalogEntityReadPermission, catalogEntityRefreshPermission], 'Rescanning a repository');
      const name = readRepositoryName(req.params.owner, req.params.slug);
      let rescan: RequestedRescan<RepositoryCoverage[]>;
      try {
        rescan = rescans.request(name.full, () => rescanEverywhere(name));
      } catch (error) {
        if (error instanceof TooManyRescansError) {
          throw new ServiceUnavailableError(error.message);
        }
        throw error;
      }
      const outcome = await settleWithin(rescan.done, answerWithinMs);
      if (!outcome.settled) {
        const body: RescanAcceptedResponse = {
          repository: name.full,
          rescan: rescan.status(),
          statusPath: `${req.baseUrl}${STATUS_ROUTE_PREFIX}/repositories/${name.owner}/${name.slug}`,
        };
        res.status(202).json(body);
        return;
      }
      if ('error' in outcome) {
        const { error } = outcome;
        if (error instanceof BitbucketRequestError || error instanceof QuotaSpentError || error instanceof QueueFullError) {
          // Their messages name host, path, status or the wait, never credentials.
          throw new ServiceUnavailableError(`Could not check ${name.full}: ${error.message}`);
        }
        throw error;
      }
      if (outcome.value.length === 0) {
        throw new NotFoundError(`No Bitbucket discovery could hold ${name.full}`);
      }
      logger.info(`Rescanned ${name.full} on request`);
      const body: RepositoryStatusResponse = { repository: name.full, discoveries: outcome.value, rescan: rescan.status() };
      res.json(body);
    }),
  );

  router.post(
    `${STATUS_ROUTE_PREFIX}/providers/:name/refresh`,
    handle(async (req, res) => {
      await requirePermissions(req, [catalogEntityRefreshPermission], 'Triggering a pass');
      const discovery = req.params.name;
      const taskId = sources()
        .map(source => source.passTaskId(discovery))
        .find(id => id !== undefined);
      if (!taskId) {
        throw new NotFoundError(`No Bitbucket discovery provider is named '${discovery}'`);
      }
      // Through the scheduler: across replicas the pass still runs once.
      await scheduler.triggerTask(taskId);
      logger.info(`Triggered a pass of ${discovery} on request`);
      const body: PassTriggerResponse = { discovery, taskId };
      res.status(202).json(body);
    }),
  );

  return router;
}

/** Express 4 does not pass a rejected handler's error on; this does, to the backend's error middleware. */
function handle(fn: (req: Request, res: Response) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };
}
