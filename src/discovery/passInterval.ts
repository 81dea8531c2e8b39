import { SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { durationToMilliseconds } from '@backstage/types';
import { DEFAULT_DISCOVERY_SCHEDULE } from './providerTaskRunner';

/**
 * How long apart a discovery's passes start: its schedule's frequency when that is a duration,
 * else (cron, manual trigger, a task runner given in code) the default schedule's.
 */
export function passIntervalMs(schedule: SchedulerServiceTaskScheduleDefinition | undefined): number {
  const frequency = schedule?.frequency;
  if (frequency && typeof frequency === 'object' && !('cron' in frequency) && !('trigger' in frequency)) {
    return durationToMilliseconds(frequency);
  }
  return durationToMilliseconds(DEFAULT_DISCOVERY_SCHEDULE.frequency as { minutes: number });
}
