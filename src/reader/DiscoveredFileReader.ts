import {
  UrlReaderService,
  UrlReaderServiceReadTreeOptions,
  UrlReaderServiceReadTreeResponse,
  UrlReaderServiceReadUrlOptions,
  UrlReaderServiceReadUrlResponse,
  UrlReaderServiceSearchOptions,
  UrlReaderServiceSearchResponse,
} from '@backstage/backend-plugin-api';
import { NotFoundError, NotModifiedError } from '@backstage/errors';
import { Readable } from 'node:stream';
import { DiscoveredFile } from './DiscoveredFileStore';
import { DiscoveredFiles } from './DiscoveredFiles';

/**
 * The URL reader for the hosts this module discovers on. A read of a file the module's checks
 * kept is answered from what they read, the way Backstage's Bitbucket readers answer it (same
 * `url`, not found as no files, NotModifiedError for an unchanged etag); every other read goes
 * to `fallback`, Backstage's own reader, unchanged.
 */
export class DiscoveredFileReader implements UrlReaderService {
  constructor(
    private readonly files: DiscoveredFiles,
    private readonly fallback: UrlReaderService,
  ) {}

  async readUrl(url: string, options?: UrlReaderServiceReadUrlOptions): Promise<UrlReaderServiceReadUrlResponse> {
    const file = await this.files.answer(url);
    if (!file) {
      return this.fallback.readUrl(url, options);
    }
    const content = contentOf(url, file, options?.etag);
    let streamed = false;
    return {
      buffer: async () => content,
      stream: () => {
        if (streamed) {
          throw new Error(`The stream of ${url} was already read`);
        }
        streamed = true;
        return Readable.from([content]);
      },
      etag: file.etag,
    };
  }

  async search(url: string, options?: UrlReaderServiceSearchOptions): Promise<UrlReaderServiceSearchResponse> {
    const file = await this.files.answer(url);
    if (!file) {
      return this.fallback.search(url, options);
    }
    if (!file.found) {
      return { files: [], etag: '' };
    }
    const content = contentOf(url, file, options?.etag);
    return { files: [{ url, content: async () => content }], etag: file.etag ?? '' };
  }

  /** Trees (TechDocs, templates) are never kept: always Backstage's reader. */
  readTree(url: string, options?: UrlReaderServiceReadTreeOptions): Promise<UrlReaderServiceReadTreeResponse> {
    return this.fallback.readTree(url, options);
  }

  toString(): string {
    return 'bitbucketDiscoveredFiles';
  }
}

/** The kept bytes, or the errors Backstage's readers throw for an unchanged or a missing file. */
function contentOf(url: string, file: DiscoveredFile, etag: string | undefined): Buffer {
  if (!file.found || !file.content) {
    throw new NotFoundError(`${url} could not be read as ${file.checkUrl}, 404 Not Found`);
  }
  if (etag !== undefined && etag === file.etag) {
    throw new NotModifiedError();
  }
  return file.content;
}
