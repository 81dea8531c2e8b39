import { ScenarioRow } from './BenchRow';

/** What a scenario process tells the benchmark over IPC. */
export type ScenarioMessage =
  /** Sent as soon as the simulator listens, so the benchmark can stop it if this process hangs. */
  | { type: 'simulator'; pid: number }
  | { type: 'rows'; rows: ScenarioRow[] }
  | { type: 'error'; message: string };
