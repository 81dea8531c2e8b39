import { Config } from '@backstage/config';
import { branchNameProblem } from './branchName';
import { ConfigLocation, invalidConfig } from './invalidConfig';

/** A provider's `branch`, checked; `{}` when absent, so the default branch applies. */
export function readBranch(config: Config, at: ConfigLocation): { branch?: string } {
  const branch = config.getOptionalString('branch');
  if (branch === undefined) {
    return {};
  }
  const problem = branchNameProblem(branch);
  return problem ? invalidConfig(at, 'branch', problem) : { branch };
}
