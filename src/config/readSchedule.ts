import { readSchedulerServiceTaskScheduleDefinitionFromConfig, SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ConfigLocation, invalidConfig } from './invalidConfig';

/** A provider's `schedule`, read the way Backstage reads task schedules; undefined when absent. */
export function readSchedule(config: Config, at: ConfigLocation): SchedulerServiceTaskScheduleDefinition | undefined {
  if (!config.has('schedule')) {
    return undefined;
  }
  try {
    return readSchedulerServiceTaskScheduleDefinitionFromConfig(config.getConfig('schedule'));
  } catch (error) {
    return invalidConfig(at, 'schedule', (error as Error).message);
  }
}
