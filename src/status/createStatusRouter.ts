import { HttpAuthService, LoggerService, PermissionsService, SchedulerService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { catalogEntityRefreshPermission } from '@backstage/plugin-catalog-common/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express, { NextFunction, Request, Response } from 'express';
import { BitbucketRequestError } from '../http/BitbucketRequestError';
import { QuotaSpentError } from '../http/QuotaSpentError';
import { DiscoveryStatusSource } from './DiscoveryStatusSource';
import { BitbucketDiscoveryStatusResponse, PassTriggerResponse, RepositoryCoverage, RepositoryStatusResponse } from './statusTypes';

/** Where the routes live under the catalog plugin's router (`/api/catalog`). */
export const STATUS_ROUTE_PREFIX = '/bitbucket-discovery';

export interface StatusRouterOptions {
  /** Read at each request, so a discovery added after start (the Cloud provider) is served too. */
  sources: () => DiscoveryStatusSource[];
  scheduler: Pick<SchedulerService, 'triggerTask'>;
  permissions: PermissionsService;
  httpAuth: HttpAuthService;
  logger: LoggerService;
}

/**
 * The operator's view of discovery: status per discovery, one repository explained, and the
 * two rescan actions. Reading needs any user or service credentials (Backstage's default
 * policy for plugin routes); the actions also need the catalog's refresh permission.
 */
export function createStatusRouter(options: StatusRouterOptions): express.Router {
  const { sources, scheduler, permissions, httpAuth, logger } = options;
  const router = express.Router();

  /** A rescan is a catalog refresh of entities not named up front (a Location that may not exist yet, or every one of a provider): only an unconditional allow will do. */
  const requireRefreshPermission = async (req: Request) => {
    const credentials = await httpAuth.credentials(req);
    const [decision] = await permissions.authorizeConditional([{ permission: catalogEntityRefreshPermission }], { credentials });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Rescanning needs the ${catalogEntityRefreshPermission.name} permission`);
    }
  };

  const repositoryOf = (req: Request) => {
    const { owner, slug } = req.params;
    if (!owner || !slug) {
      throw new InputError('Name the repository as /repositories/{projectKeyOrWorkspace}/{slug}');
    }
    return { owner, slug, repository: `${owner}/${slug}` };
  };

  router.get(
    `${STATUS_ROUTE_PREFIX}/status`,
    handle(async (_req, res) => {
      const discoveries = (await Promise.all(sources().map(source => source.describe()))).flat();
      const body: BitbucketDiscoveryStatusResponse = { discoveries };
      res.json(body);
    }),
  );

  router.get(
    `${STATUS_ROUTE_PREFIX}/repositories/:owner/:slug`,
    handle(async (req, res) => {
      const { owner, slug, repository } = repositoryOf(req);
      const discoveries = (await Promise.all(sources().map(source => source.explain(owner, slug)))).flat();
      const body: RepositoryStatusResponse = { repository, discoveries };
      res.json(body);
    }),
  );

  router.post(
    `${STATUS_ROUTE_PREFIX}/repositories/:owner/:slug/refresh`,
    handle(async (req, res) => {
      await requireRefreshPermission(req);
      const { owner, slug, repository } = repositoryOf(req);
      let discoveries: RepositoryCoverage[];
      try {
        discoveries = (await Promise.all(sources().map(source => source.recheck(owner, slug)))).flat();
      } catch (error) {
        if (error instanceof BitbucketRequestError || error instanceof QuotaSpentError) {
          // Their messages name host, path, status or the wait, never credentials.
          throw new ServiceUnavailableError(`Could not check ${repository}: ${error.message}`);
        }
        throw error;
      }
      if (discoveries.length === 0) {
        throw new NotFoundError(`No Bitbucket discovery could hold ${repository}`);
      }
      logger.info(`Rescanned ${repository} on request`);
      const body: RepositoryStatusResponse = { repository, discoveries };
      res.json(body);
    }),
  );

  router.post(
    `${STATUS_ROUTE_PREFIX}/providers/:name/refresh`,
    handle(async (req, res) => {
      await requireRefreshPermission(req);
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
