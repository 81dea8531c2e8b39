import { GlobMatches } from '../config/catalogPathGlob';
import { BitbucketRequestError } from './BitbucketRequestError';

/** A file listing of a branch or directory that does not exist (404) has no matches; other errors stand. */
export async function noneWhenMissing(list: () => Promise<GlobMatches>): Promise<GlobMatches> {
  try {
    return await list();
  } catch (error) {
    if (error instanceof BitbucketRequestError && error.details.status === 404) {
      return { paths: [], truncated: false };
    }
    throw error;
  }
}
