import { randomBytes } from 'node:crypto';
import { parseAuthorization } from './authorization';
import { jsonReply, Reply, SimRequest } from './httpServer';

/** The credential forms Bitbucket Cloud takes; any configured one is accepted. */
export interface BitbucketCloudAuth {
  /** Atlassian account email, paired with `token` or `appPassword` in Basic auth. */
  username?: string;
  /** API token (Basic, with `username`) or access token (Bearer). */
  token?: string;
  /** Legacy app password (Basic, with `username`). */
  appPassword?: string;
  /** OAuth consumer for the client-credentials grant; the access tokens it issues work as Bearer. */
  clientId?: string;
  clientSecret?: string;
}

const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 7200;

/** Checks credentials and runs the OAuth client-credentials grant (`POST /site/oauth2/access_token`). */
export class CloudAuthenticator {
  /** Issued access token -> expiry time (ms since epoch). */
  private readonly issuedTokens = new Map<string, number>();

  constructor(
    private readonly auth: BitbucketCloudAuth | undefined,
    private readonly accessTokenTtlSeconds = DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  ) {}

  isAuthorized(req: SimRequest): boolean {
    if (!this.auth) return true;
    const { username, token, appPassword } = this.auth;
    const credentials = parseAuthorization(req.headers.authorization);
    if (credentials?.scheme === 'bearer') {
      return (token !== undefined && credentials.token === token) || this.isLiveIssuedToken(credentials.token);
    }
    if (credentials?.scheme !== 'basic' || username === undefined || credentials.username !== username) return false;
    return [token, appPassword].some(secret => secret !== undefined && secret === credentials.password);
  }

  /** The client may authenticate with Basic auth or with `client_id`/`client_secret` form fields. */
  issueAccessToken(req: SimRequest): Reply {
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') !== 'client_credentials') {
      return jsonReply(400, { error: 'unsupported_grant_type', error_description: 'Only client_credentials is simulated' });
    }
    const basic = parseAuthorization(req.headers.authorization);
    const [clientId, clientSecret] =
      basic?.scheme === 'basic' ? [basic.username, basic.password] : [form.get('client_id'), form.get('client_secret')];
    if (!this.auth?.clientId || clientId !== this.auth.clientId || clientSecret !== this.auth.clientSecret) {
      return jsonReply(401, { error: 'invalid_client', error_description: 'Invalid OAuth client credentials' });
    }
    const accessToken = randomBytes(24).toString('base64url');
    this.issuedTokens.set(accessToken, Date.now() + this.accessTokenTtlSeconds * 1000);
    return jsonReply(200, {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: this.accessTokenTtlSeconds,
      scopes: 'repository project',
      state: 'client_credentials',
    });
  }

  private isLiveIssuedToken(token: string): boolean {
    const expiresAt = this.issuedTokens.get(token);
    return expiresAt !== undefined && expiresAt > Date.now();
  }
}
