import { parseArgs } from 'node:util';

export interface BenchArguments {
  /** Scenario names, in order; undefined means all. */
  scenarios?: string[];
  list: boolean;
  help: boolean;
  verbose: boolean;
  /** Write V8 CPU profiles of the scenario and simulator processes to this directory. */
  cpuProfileDir?: string;
  /** Run each scenario process with `--max-old-space-size` of this many MB, as an operator may run the backend. */
  maxOldSpaceMb?: number;
}

export const BENCH_USAGE = [
  'Usage: npm run bench -- [--scenario NAME[,NAME…]]… [--list] [--verbose] [--cpu-prof DIR] [--max-old-space MB]',
  '  --scenario  run only these scenarios (comma-separated or repeated); default: every scan scenario;',
  '              `webhooks` names the webhook scenarios, `pace` the learned-pace matrix, `overlap` two discoveries over one',
  '              estate, `memory` (and `memory-postgres`) the Server passes at 5k/50k/200k on a database store at',
  '              2 ms a request, `memory-20ms` (and `memory-postgres-20ms`) the same at 20 ms; these only run when named',
  '  --list      print the scenarios (with --scenario, those) and exit',
  '  --verbose   echo the module\'s info log lines to stderr',
  '  --cpu-prof  write .cpuprofile files of every scenario and simulator process to DIR',
  '  --max-old-space  run every scenario process with node --max-old-space-size=MB',
].join('\n');

/** Reads `npm run bench -- …`; throws naming the bad argument. */
export function parseBenchArguments(args: string[]): BenchArguments {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      scenario: { type: 'string', multiple: true },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      verbose: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'max-old-space': { type: 'string' },
    },
  });
  const maxOldSpace = values['max-old-space'];
  const maxOldSpaceMb = maxOldSpace === undefined ? undefined : Number(maxOldSpace);
  if (maxOldSpaceMb !== undefined && !(Number.isInteger(maxOldSpaceMb) && maxOldSpaceMb > 0)) {
    throw new Error(`--max-old-space takes a whole number of MB, got '${maxOldSpace}'`);
  }
  const scenarios = values.scenario
    ?.flatMap(value => value.split(','))
    .map(name => name.trim())
    .filter(name => name !== '');
  return {
    scenarios: scenarios && scenarios.length > 0 ? scenarios : undefined,
    list: values.list ?? false,
    help: values.help ?? false,
    verbose: values.verbose ?? false,
    cpuProfileDir: values['cpu-prof'],
    maxOldSpaceMb,
  };
}
