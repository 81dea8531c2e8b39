import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes config as a file a backend can load with `--config` (JSON is YAML), readable by this
 * user only: it holds the database password, which must not appear on a command line.
 */
export async function writeConfigFile(dir: string, name: string, config: object): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  return file;
}
