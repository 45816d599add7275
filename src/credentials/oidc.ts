// Fetches the job's GitHub Actions OIDC token for one audience. One call, one fresh JWT: the
// caller fetches again for every exchange attempt, because each JWT can be exchanged once.
import { ActionError } from '../errors.ts';
import { HttpStatusError } from './http-errors.ts';
import { request } from './http.ts';

const MAX_JWT_BYTES = 16 * 1024;

export interface OidcEndpoint {
  readonly requestUrl: string;
  readonly requestToken: string;
}

const PERMISSION_HINT = [
  'Give the job permission to request it:',
  '',
  '    permissions:',
  '      id-token: write',
  '      contents: read',
  '',
  'It can still be missing when the run comes from a fork pull request (GitHub never gives those runs an OIDC token),',
  'from Dependabot, or from a reusable workflow whose caller did not grant id-token: write.',
].join('\n');

/** The two runner variables, or an error that names the missing permission. */
export function oidcEndpointFromEnv(env: NodeJS.ProcessEnv): OidcEndpoint {
  const requestUrl = env['ACTIONS_ID_TOKEN_REQUEST_URL'] ?? '';
  const requestToken = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'] ?? '';
  if (requestUrl === '' || requestToken === '') {
    throw new ActionError(
      'missing-id-token-permission',
      'This job cannot request a GitHub OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set (the job lacks `id-token: write`).',
      PERMISSION_HINT,
    );
  }
  return { requestUrl, requestToken };
}

export function idTokenUrl(requestUrl: string, audience: string): string {
  const separator = requestUrl.includes('?') ? '&' : '?';
  return `${requestUrl}${separator}audience=${encodeURIComponent(audience)}`;
}

export interface FetchIdTokenOptions {
  readonly endpoint: OidcEndpoint;
  readonly audience: string;
  readonly timeoutMs: number;
  readonly userAgent: string;
  /** Called with the JWT before anything else sees it. */
  readonly mask: (secret: string) => void;
  /** Ends the request (or keeps it from starting) when aborted. */
  readonly signal?: AbortSignal | undefined;
}

export async function fetchIdToken(options: FetchIdTokenOptions): Promise<string> {
  const { endpoint } = options;
  options.mask(endpoint.requestToken);
  const response = await request({
    method: 'GET',
    url: idTokenUrl(endpoint.requestUrl, options.audience),
    headers: { authorization: `Bearer ${endpoint.requestToken}`, accept: 'application/json' },
    timeoutMs: options.timeoutMs,
    maxBodyBytes: MAX_JWT_BYTES + 1024,
    userAgent: options.userAgent,
    ...(options.signal && { signal: options.signal }),
  });
  if (response.status !== 200) {
    const hint =
      response.status === 401 || response.status === 403
        ? 'The runner refused the OIDC request token; it stops working when the job ends.'
        : undefined;
    throw new HttpStatusError('Requesting the GitHub OIDC token', response, hint, [endpoint.requestToken], 'oidc-request-failed');
  }
  const jwt = readJwt(response.body);
  options.mask(jwt);
  return jwt;
}

function readJwt(body: string): string {
  let value: unknown;
  try {
    value = (JSON.parse(body) as Record<string, unknown> | null)?.['value'];
  } catch {
    throw new ActionError('oidc-bad-answer', 'The GitHub OIDC token service answered with something that is not JSON.');
  }
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value)) {
    throw new ActionError('oidc-bad-answer', 'The GitHub OIDC token service answered without a JWT in `value`.');
  }
  if (Buffer.byteLength(value) > MAX_JWT_BYTES) {
    throw new ActionError(
      'oidc-bad-answer',
      `The GitHub OIDC token is larger than ${MAX_JWT_BYTES} bytes; the token endpoint would refuse it.`,
    );
  }
  return value;
}
