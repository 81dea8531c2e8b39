import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { durationToMilliseconds } from '@backstage/types';

/** How often a schedule runs, for the status: ISO 8601 (`PT1800S`), or its cron expression; undefined when manual or unknown. */
export function scheduleFrequency(schedule: SchedulerServiceTaskScheduleDefinition | undefined): string | undefined {
  const frequency = schedule?.frequency;
  if (!frequency || typeof frequency === 'string') {
    return frequency;
  }
  if ('cron' in frequency) {
    return `cron ${frequency.cron}`;
  }
  if ('trigger' in frequency) {
    return undefined;
  }
  return `PT${durationToMilliseconds(frequency) / 1000}S`;
}
