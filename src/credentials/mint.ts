// One credential: fetch a fresh OIDC token, exchange it, and retry transient failures with a new
// OIDC token each time, all within one deadline.
import { ActionError } from '../errors.ts';
import { classifyTransient, HttpStatusError } from './http-errors.ts';
import { exchangeToken, type MintedToken } from './exchange.ts';
import { NetworkError } from './http.ts';
import type { FederationIds } from '../inputs.ts';
import { fetchIdToken, type OidcEndpoint } from './oidc.ts';
import { RetriesExhausted, withRetry, type RetryOptions } from './retry.ts';

const OIDC_REQUEST_MS = 10_000;
const EXCHANGE_REQUEST_MS = 20_000;

export interface MintOptions {
  readonly oidc: OidcEndpoint;
  readonly audience: string;
  readonly baseUrl: string;
  readonly ids: FederationIds;
  readonly userAgent: string;
  /** Epoch milliseconds: no attempt starts, no request runs and no sleep ends past this. */
  readonly deadline: number;
  readonly mask: (secret: string) => void;
  /** Sees every fresh OIDC token (already masked), e.g. to print its claims once. */
  readonly onIdToken?: (jwt: string, attempt: number) => void;
  readonly onRetry?: RetryOptions['onRetry'];
  readonly now?: () => number;
  readonly sleep?: RetryOptions['sleep'];
  readonly random?: () => number;
  readonly maxAttempts?: number;
  /** A stop request: once aborted, no OIDC request or exchange starts, the one under way is cut, a
   *  retry's wait ends, and mintToken rejects with `Aborted`. */
  readonly signal?: AbortSignal;
}

export interface MintResult extends MintedToken {
  readonly attempts: number;
}

export async function mintToken(options: MintOptions): Promise<MintResult> {
  const now = options.now ?? Date.now;
  const budget = (cap: number): number => {
    const left = options.deadline - now();
    if (left <= 0) throw new ActionError('deadline', 'Ran out of time (timeout-seconds) before the exchange could finish.');
    return Math.min(cap, left);
  };
  const { signal } = options;
  let attempts = 0;
  try {
    const token = await withRetry(
      async (attempt) => {
        attempts = attempt;
        const jwt = await fetchIdToken({
          endpoint: options.oidc,
          audience: options.audience,
          timeoutMs: budget(OIDC_REQUEST_MS),
          userAgent: options.userAgent,
          mask: options.mask,
          signal,
        });
        options.onIdToken?.(jwt, attempt);
        // Stopped while the OIDC token came: the exchange refuses to start, so it is not spent.
        return exchangeToken({
          baseUrl: options.baseUrl,
          ids: options.ids,
          assertion: jwt,
          timeoutMs: budget(EXCHANGE_REQUEST_MS),
          userAgent: options.userAgent,
          mask: options.mask,
          now,
          signal,
        });
      },
      {
        deadline: options.deadline,
        maxAttempts: options.maxAttempts ?? 4,
        baseDelayMs: 1000,
        maxDelayMs: 8000,
        classify: classifyTransient,
        onRetry: options.onRetry,
        sleep: options.sleep,
        random: options.random,
        signal,
        now,
      },
    );
    return { ...token, attempts };
  } catch (error) {
    throw explainExhausted(error);
  }
}

const NETWORK_HINT = "Check base-url and the runner's network; behind a proxy set HTTPS_PROXY (and NO_PROXY for hosts that bypass it).";

/** Turns "gave up" into the last real error, with how many attempts were made. */
function explainExhausted(error: unknown): unknown {
  if (error instanceof NetworkError) return new ActionError('unreachable', error.message, NETWORK_HINT);
  if (!(error instanceof RetriesExhausted)) return error;
  const last = error.cause;
  const lastMessage = last instanceof Error ? last.message : String(last);
  const hint = last instanceof ActionError ? last.hint : last instanceof NetworkError ? NETWORK_HINT : undefined;
  const status = last instanceof HttpStatusError ? last.status : undefined;
  const code = status === undefined ? 'unreachable' : 'exchange-failed';
  return new ActionError(code, `${lastMessage} (${error.message})`, hint);
}
