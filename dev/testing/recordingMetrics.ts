import { MetricAttributes, MetricsService } from '@backstage/backend-plugin-api/alpha';

/** One value given to an instrument. */
export interface RecordedMeasurement {
  value: number;
  attributes: MetricAttributes;
}

/** A MetricsService that keeps every value per instrument name, for tests to add up. */
export interface RecordingMetricsService extends MetricsService {
  measurements(name: string): RecordedMeasurement[];
  /** The sum of the values whose attributes include `where`. */
  sum(name: string, where?: MetricAttributes): number;
  /** The last value whose attributes include `where`. */
  last(name: string, where?: MetricAttributes): number | undefined;
  /** Every instrument name created so far. */
  names(): string[];
}

export function recordingMetricsService(): RecordingMetricsService {
  const byName = new Map<string, RecordedMeasurement[]>();
  const instrument = (name: string) => {
    const values = byName.get(name) ?? [];
    byName.set(name, values);
    const keep = (value: number, attributes: MetricAttributes = {}) => values.push({ value, attributes });
    return { add: keep, record: keep };
  };
  const observable = () => ({ addCallback: () => undefined, removeCallback: () => undefined });
  const matching = (name: string, where: MetricAttributes) =>
    (byName.get(name) ?? []).filter(m => Object.entries(where).every(([key, value]) => m.attributes[key] === value));
  return {
    createCounter: instrument,
    createUpDownCounter: instrument,
    createHistogram: instrument,
    createGauge: instrument,
    createObservableCounter: observable,
    createObservableUpDownCounter: observable,
    createObservableGauge: observable,
    measurements: name => [...(byName.get(name) ?? [])],
    sum: (name, where = {}) => matching(name, where).reduce((total, m) => total + m.value, 0),
    last: (name, where = {}) => matching(name, where).at(-1)?.value,
    names: () => [...byName.keys()],
  };
}
