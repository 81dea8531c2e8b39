import { Config } from '@backstage/config';
import { ConfigLocation, invalidConfig } from './invalidConfig';

/**
 * `filters.<subKey>` as a regular expression; undefined when absent. Anchored, a pattern without
 * a leading `^` / trailing `$` gets them (upstream's Cloud rule); unanchored, it is used as
 * written and `test` finds it anywhere (upstream's Server rule).
 */
export function readFilterRegex(
  filters: Config | undefined,
  at: ConfigLocation,
  subKey: string,
  anchoring: 'whole-value' | 'as-written',
): RegExp | undefined {
  const source = filters?.getOptionalString(subKey);
  if (source === undefined) {
    return undefined;
  }
  const pattern = anchoring === 'whole-value' ? `${source.startsWith('^') ? '' : '^'}${source}${source.endsWith('$') ? '' : '$'}` : source;
  try {
    return new RegExp(pattern);
  } catch (error) {
    return invalidConfig(at, `filters.${subKey}`, `'${source}' is not a valid regular expression (${(error as Error).message})`);
  }
}
