import {
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskRunner,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { durationToMilliseconds } from '@backstage/types';
import { randomUUID } from 'crypto';

/**
 * Used when neither config nor code gives a provider a schedule. Bitbucket rate limits make a
 * half-hourly pass the sensible default; the timeout leaves room for a slow, rate-limited
 * run while ending before the next one is due (a pass that needs longer resumes).
 *
 * @public
 */
export const DEFAULT_DISCOVERY_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 30 },
  timeout: { minutes: 25 },
  initialDelay: { seconds: 10 },
};

/**
 * Upstream's rule: a task runner given in code wins; otherwise the schedule in config; otherwise
 * the default. The schedule and its timeout are known only for a schedule this module created; it tells a timeout
 * from another abort.
 */
export function providerTaskRunner(options: {
  label: string;
  configured?: SchedulerServiceTaskScheduleDefinition;
  schedule?: SchedulerServiceTaskRunner;
  scheduler?: SchedulerService;
}): { taskRunner: SchedulerServiceTaskRunner; timeoutMs?: number; definition?: SchedulerServiceTaskScheduleDefinition } {
  if (options.schedule) {
    return { taskRunner: options.schedule };
  }
  if (!options.scheduler) {
    throw new Error(`${options.label} needs a scheduler: pass 'scheduler' or 'schedule' to fromConfig.`);
  }
  const definition = options.configured ?? DEFAULT_DISCOVERY_SCHEDULE;
  const timeout = typeof definition.timeout === 'string' ? { milliseconds: Number.NaN } : definition.timeout;
  return { taskRunner: options.scheduler.createScheduledTaskRunner(definition), timeoutMs: durationToMilliseconds(timeout), definition };
}

/**
 * Registers a provider's scheduled refresh, task id `<providerName>:refresh`, each run logging
 * through a child logger with its own `taskInstanceId`. The run rethrows, so the scheduler
 * records a run that did not complete its pass.
 */
export async function scheduleRefresh(options: {
  taskRunner: SchedulerServiceTaskRunner;
  providerName: string;
  className: string;
  logger: LoggerService;
  refresh: (logger: LoggerService, signal: AbortSignal) => Promise<unknown>;
}): Promise<void> {
  const id = `${options.providerName}:refresh`;
  await options.taskRunner.run({
    id,
    fn: async abortSignal => {
      await options.refresh(options.logger.child({ class: options.className, taskId: id, taskInstanceId: randomUUID() }), abortSignal);
    },
  });
}
