import { mockServices } from '@backstage/backend-test-utils';
import { RequestDetails } from '@backstage/plugin-events-node';
import * as crypto from 'crypto';
import { RefusalLog } from './RefusalLog';
import { signatureValidator } from './signatureValidator';
import { readOrigin } from './webhookOrigin';
import { WEBHOOK_TOPICS } from './webhookTopics';

// The HMAC is the only per-delivery cost of a forged flood beyond parsing: count it.
jest.mock('crypto', () => {
  const actual = jest.requireActual<typeof crypto>('crypto');
  return { ...actual, createHmac: jest.fn(actual.createHmac) };
});
const createHmac = crypto.createHmac as jest.MockedFunction<typeof crypto.createHmac>;

const body = '{"eventKey":"repo:refs_changed"}';
const sign = (secret: string) => `sha256=${jest.requireActual<typeof crypto>('crypto').createHmac('sha256', secret).update(body).digest('hex')}`;

function delivery(signature: string): RequestDetails {
  return { body: JSON.parse(body), headers: { 'x-event-key': 'repo:refs_changed', 'x-hub-signature': signature }, raw: { body: Buffer.from(body), encoding: 'utf-8' } };
}

describe('signatureValidator', () => {
  const validate = signatureValidator(
    WEBHOOK_TOPICS.server,
    {
      hosts: [
        { host: 'a.example.com', secrets: ['shared', 'only-a'] },
        { host: 'b.example.com', secrets: ['shared'] },
      ],
      acceptsUnsigned: false,
      configured: true,
    },
    new RefusalLog(mockServices.logger.mock()),
  );

  beforeEach(() => createHmac.mockClear());

  it('computes one HMAC per distinct secret, however many hosts share it', async () => {
    const reject = jest.fn();
    const forged = delivery(sign('guess'));
    await validate(forged, { reject });
    expect(reject).toHaveBeenCalledWith(expect.objectContaining({ status: 403 }));
    expect(createHmac).toHaveBeenCalledTimes(2);

    const shared = delivery(sign('shared'));
    await validate(shared, { reject: jest.fn() });
    expect(readOrigin(shared.headers as Record<string, string>)).toEqual({ signed: true, hosts: ['a.example.com', 'b.example.com'] });
  });

  it('refuses a malformed signature before any HMAC', async () => {
    const reject = jest.fn();
    await validate(delivery('sha1=0123456789abcdef0123456789abcdef01234567'), { reject });
    await validate(delivery(`sha256=${'z'.repeat(64)}`), { reject });
    expect(reject).toHaveBeenCalledTimes(2);
    expect(reject).toHaveBeenCalledWith(expect.objectContaining({ status: 403 }));
    expect(createHmac).not.toHaveBeenCalled();
  });
});
