import { BitbucketRequestError } from './BitbucketRequestError';

/**
 * The pages of a file listing, none when its first page answers 404 (the branch or directory
 * does not exist). A 404 on a later page is an error: the listing changed under it, and an
 * empty answer would remove every Location found on the pages before.
 */
export async function* noneWhenMissing<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  let first = true;
  try {
    for await (const page of pages) {
      first = false;
      yield page;
    }
  } catch (error) {
    if (first && error instanceof BitbucketRequestError && error.details.status === 404) {
      return;
    }
    throw error;
  }
}
