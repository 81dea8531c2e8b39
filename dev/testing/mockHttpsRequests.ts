import { EventEmitter } from 'node:events';
import { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

/** What a mocked request answers with. */
export interface MockAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Has `https.request` answer through `answer` (or fail with what it rejects with) instead of the
 * network, so a test drives the real transport without a socket: under fake timers, or with
 * answers no server would give. The caller restores the spy (`jest.restoreAllMocks`).
 */
export function mockHttpsRequests(answer: (url: URL, options: RequestOptions) => Promise<MockAnswer>): jest.SpyInstance {
  const request = (url: URL, options: RequestOptions, onResponse: (response: IncomingMessage) => void): ClientRequest => {
    const sent = new EventEmitter();
    const end = () => {
      answer(url, options).then(
        answered => onResponse(responseOf(answered)),
        (error: unknown) => sent.emit('error', error),
      );
    };
    return Object.assign(sent, { end, destroy: () => undefined }) as unknown as ClientRequest;
  };
  return jest.spyOn(https, 'request').mockImplementation(request as unknown as typeof https.request);
}

/** An answer as node:http hands it over: status, headers (raw and parsed) and a readable body. */
function responseOf({ status, headers = {}, body = '' }: MockAnswer): IncomingMessage {
  const lowerCased = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return Object.assign(Readable.from(body ? [Buffer.from(body)] : []), {
    statusCode: status,
    rawHeaders: Object.entries(headers).flat(),
    headers: lowerCased,
  }) as unknown as IncomingMessage;
}
