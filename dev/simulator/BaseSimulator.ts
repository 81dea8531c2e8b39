import { ADMIN_PATH_PREFIX, handleAdminRequest } from './adminEndpoints';
import { EstateStore, SimEstate, SimRepository } from './estate';
import { FaultInjector, FaultOptions, FaultRequest, ScriptedFault } from './faults';
import { Answer, delay, HANG, LoopbackServer, Reply, SimRequest } from './httpServer';
import { RequestHold, RequestHolds } from './requestHolds';
import { BadRequestError, matchRoute, Route } from './routing';
import { scriptedAnswer } from './scriptedReplies';
import { WebhookRegistry } from './webhookRegistry';
import {
  countQuotaRefusal,
  countRequestEnd,
  countRequestStart,
  countResponse,
  emptyStats,
  LoggedRequest,
  resetStats,
  SimStats,
} from './stats';

export interface SimulatorOptions {
  /** Served live: mutations through the simulator change this object in place. */
  estate: SimEstate;
  faults?: FaultOptions;
  /** Keep every API request in `requestLog`; off by default because large estates mean many requests. */
  recordRequests?: boolean;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

/** Answers every product gives in its own error format. */
export type CommonError = 'badRequest' | 'notFound' | 'unauthorized' | 'rateLimited' | 'serverError' | 'unavailable';

/**
 * What both simulators share: lifecycle, the request pipeline (faults before credentials before
 * the route), stats, the request log, admin endpoints and estate mutations. A product supplies
 * its routes, its credential check and its error format.
 */
export abstract class BaseSimulator {
  readonly stats: SimStats = emptyStats();
  readonly requestLog: LoggedRequest[] = [];
  /** Webhooks registered on owners (projects, workspaces) and repositories; the only way deliveries leave the simulator. */
  readonly hooks = new WebhookRegistry();
  protected readonly store: EstateStore;
  private readonly faults: FaultInjector;
  private readonly holds = new RequestHolds();
  private readonly server = new LoopbackServer((req, exchangeOver) => this.handle(req, exchangeOver));
  private baseUrl: string | undefined;

  protected constructor(private readonly options: SimulatorOptions) {
    this.store = new EstateStore(options.estate);
    this.faults = new FaultInjector(options.faults);
  }

  protected abstract readonly routes: Route[];
  protected abstract isAuthorized(req: SimRequest): boolean;
  /** `detail` explains a bad request. */
  protected abstract errorReply(error: CommonError, req: SimRequest, detail?: string): Reply;

  get estate(): SimEstate {
    return this.store.estate;
  }

  /** The base URL, e.g. `http://127.0.0.1:41234`; only valid once started. */
  get url(): string {
    if (!this.baseUrl) throw new Error('Simulator is not started');
    return this.baseUrl;
  }

  async start(): Promise<{ url: string }> {
    this.baseUrl = await this.server.start(this.options.port ?? 0, this.options.host ?? '127.0.0.1');
    return { url: this.baseUrl };
  }

  /** Stops listening and cuts every open connection, hanging requests included. */
  async stop(): Promise<void> {
    await this.server.stop();
  }

  setFaults(partial: FaultOptions): void {
    this.faults.setFaults(partial);
  }

  addFault(fault: ScriptedFault): void {
    this.faults.addFault(fault);
  }

  clearFaults(): void {
    this.faults.clearFaults();
  }

  /** Keeps matching API requests waiting, unanswered, until released. */
  hold(match: (req: FaultRequest) => boolean): RequestHold {
    return this.holds.hold(match);
  }

  /** Starts the quota fault's next window now, so a test need not wait out the hour. */
  startNextQuotaWindow(): void {
    this.faults.startNextQuotaWindow();
  }

  /** While on, every API request is answered 503. */
  setOutage(on: boolean): void {
    this.faults.setOutage(on);
  }

  resetStats(): void {
    resetStats(this.stats);
    this.requestLog.length = 0;
  }

  setFile(projectKey: string, slug: string, path: string, content: string): void {
    this.store.setFile(projectKey, slug, path, content);
  }

  removeFile(projectKey: string, slug: string, path: string): void {
    this.store.removeFile(projectKey, slug, path);
  }

  /** Deletes a repository, its hooks with it. */
  deleteRepository(projectKey: string, slug: string): void {
    this.store.deleteRepository(projectKey, slug);
    this.hooks.dropRepository(this.hookOwner(projectKey), slug);
  }

  addRepository(repo: SimRepository): void {
    this.store.addRepository(repo);
  }

  /**
   * Renames or moves a repository, files and all, as Bitbucket does: the old name answers 404
   * from then on (no redirect for API requests).
   */
  renameRepository(from: { projectKey: string; slug: string }, to: { projectKey: string; slug: string }): void {
    const repo = this.store.findRepository(from.projectKey, from.slug);
    if (!repo) {
      throw new Error(`No repository ${from.projectKey}/${from.slug} to rename`);
    }
    this.store.deleteRepository(from.projectKey, from.slug);
    this.store.addRepository({ ...repo, projectKey: to.projectKey, slug: to.slug, name: to.slug });
    this.hooks.moveRepository({ owner: this.hookOwner(from.projectKey), slug: from.slug }, { owner: this.hookOwner(to.projectKey), slug: to.slug });
  }

  /** Whose hooks a repository of `projectKey` sits under: its project (Data Center) or its workspace (Cloud). */
  protected abstract hookOwner(projectKey: string): string;

  /**
   * The origin the client believes it called: forwarded headers win (set by
   * routeBitbucketCloudTo), else the simulator's own URL.
   */
  protected publicOrigin(req?: SimRequest): string {
    const forwardedHost = req && firstHeader(req.headers['x-forwarded-host']);
    if (!forwardedHost) return this.url;
    const proto = firstHeader(req?.headers['x-forwarded-proto']) ?? 'http';
    return `${proto}://${forwardedHost}`;
  }

  private async handle(req: SimRequest, exchangeOver: AbortSignal): Promise<Answer> {
    if (req.path.startsWith(ADMIN_PATH_PREFIX)) return handleAdminRequest(req, this);

    const matched = matchRoute(this.routes, req.method, req.path);
    countRequestStart(this.stats, matched?.route.name);
    exchangeOver.addEventListener('abort', () => countRequestEnd(this.stats));
    const logged = this.options.recordRequests ? this.logRequest(req) : undefined;

    const unlabelled = await this.answer(req, matched, exchangeOver);
    const answer = unlabelled === HANG ? HANG : withHeaders(unlabelled, this.faults.rateLimitHeaders());
    if (answer !== HANG) {
      countResponse(this.stats, answer.status);
      // Answered unless the client gave up first: an aborted request taught it nothing.
      if (logged && !exchangeOver.aborted) logged.status = answer.status;
    }
    return answer;
  }

  private async answer(
    req: SimRequest,
    matched: ReturnType<typeof matchRoute>,
    exchangeOver: AbortSignal,
  ): Promise<Answer> {
    await this.holds.wait({ method: req.method, path: req.path, query: req.query }, exchangeOver);
    const fault = this.faults.decide({ method: req.method, path: req.path, query: req.query });
    await delay(this.faults.latencyMs, exchangeOver);
    switch (fault?.kind) {
      case 'scripted':
        return scriptedAnswer(fault.respond);
      case 'outage':
        return this.errorReply('unavailable', req);
      case 'failure':
        return this.errorReply('serverError', req);
      case 'rateLimited': {
        if (fault.quotaSpent) countQuotaRefusal(this.stats);
        const reply = this.errorReply('rateLimited', req);
        if (fault.retryAfterSeconds === undefined) return reply;
        return { ...reply, headers: { ...reply.headers, 'retry-after': String(fault.retryAfterSeconds) } };
      }
    }
    if (!matched) return this.errorReply('notFound', req);
    if (!matched.route.anonymous && !this.isAuthorized(req)) return this.errorReply('unauthorized', req);
    try {
      return await matched.route.handle(req, matched.params);
    } catch (error) {
      if (error instanceof BadRequestError) return this.errorReply('badRequest', req, error.message);
      throw error;
    }
  }

  private logRequest(req: SimRequest): LoggedRequest {
    const entry: LoggedRequest = {
      method: req.method,
      path: req.path,
      query: req.rawQuery,
      authorization: firstHeader(req.headers.authorization),
      host: firstHeader(req.headers['x-forwarded-host']) ?? firstHeader(req.headers.host),
    };
    this.requestLog.push(entry);
    return entry;
  }
}

function withHeaders(reply: Reply, headers: Record<string, string>): Reply {
  return Object.keys(headers).length === 0 ? reply : { ...reply, headers: { ...reply.headers, ...headers } };
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
