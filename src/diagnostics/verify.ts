// Checks that a minted token can reach the API before an expensive agent step starts.
import { HttpStatusError } from '../credentials/http-errors.ts';
import { request } from '../credentials/http.ts';

export const API_OAUTH_BETA = 'oauth-2025-04-20';

export async function verifyToken(options: { baseUrl: string; accessToken: string; timeoutMs: number; userAgent: string }): Promise<void> {
  const response = await request({
    method: 'GET',
    url: `${options.baseUrl}/v1/models?limit=1`,
    headers: {
      authorization: `Bearer ${options.accessToken}`,
      'anthropic-beta': API_OAUTH_BETA,
      'anthropic-version': '2023-06-01',
      accept: 'application/json',
    },
    timeoutMs: options.timeoutMs,
    maxBodyBytes: 1024 * 1024,
    userAgent: options.userAgent,
  });
  if (response.status === 200) return;
  const hint =
    response.status === 403
      ? "The token was minted but may not call the API: the rule's oauth_scope or the service account's workspace role is too narrow."
      : response.status === 401
        ? 'The API did not accept the minted token: check that base-url is the API that minted it.'
        : undefined;
  throw new HttpStatusError('Verifying the minted token (GET /v1/models)', response, hint, [options.accessToken], 'verify-failed');
}
