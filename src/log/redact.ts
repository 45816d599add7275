// Keeps secrets out of anything a person can read: log lines, errors, the step summary.
import { oneLine } from './log-line.ts';

// A JWT, whole or cut short: a base64url JSON header (`eyJ…`) and whatever parts of it follow.
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}/g;
const ANTHROPIC_TOKEN_PATTERN = /sk-ant-[A-Za-z0-9_-]+/g;
// GitHub's token formats: ghp_/gho_/ghu_/ghs_/ghr_ and fine-grained github_pat_.
const GITHUB_TOKEN_PATTERN = /\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})/g;
const BEARER_PATTERN = /(bearer\s+)[^\s"',;]+/gi;
const MAX_FIELD_CHARS = 200;

/** Replaces every known secret and everything shaped like a JWT, an Anthropic or GitHub token, or a
 *  bearer credential. */
export function scrub(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  }
  return out
    .replace(JWT_PATTERN, '[redacted-jwt]')
    .replace(ANTHROPIC_TOKEN_PATTERN, '[redacted-token]')
    .replace(GITHUB_TOKEN_PATTERN, '[redacted-token]')
    .replace(BEARER_PATTERN, '$1[redacted]');
}

/** One line of at most MAX_FIELD_CHARS with no workflow command in it, scrubbed before it is cut:
 *  a cut must not leave half a secret that the patterns and the runner's masks no longer recognise. */
function clip(value: string, secrets: readonly string[]): string {
  const line = oneLine(scrub(value, secrets)).trim();
  return line.length > MAX_FIELD_CHARS ? `${line.slice(0, MAX_FIELD_CHARS)}…` : line;
}

/**
 * What an error body may say in our messages: only the OAuth fields (`error`, `error_description`,
 * `error_uri`) and the API error shape's `error.type` / `error.message`, each scrubbed and then cut
 * short. Anything else a server echoes (the assertion, a token, headers) is dropped.
 */
export function describeErrorBody(body: string, secrets: readonly string[] = []): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body.trim() === '' ? 'empty body' : `a body that is not JSON (${Buffer.byteLength(body)} bytes, not shown)`;
  }
  if (!isRecord(parsed)) return 'a JSON body that is not an object (not shown)';
  const parts: string[] = [];
  const err = parsed['error'];
  if (typeof err === 'string') parts.push(`error=${clip(err, secrets)}`);
  if (isRecord(err)) {
    if (typeof err['type'] === 'string') parts.push(`type=${clip(err['type'], secrets)}`);
    if (typeof err['message'] === 'string') parts.push(`message=${clip(err['message'], secrets)}`);
  }
  for (const key of ['error_description', 'error_uri'] as const) {
    const value = parsed[key];
    if (typeof value === 'string') parts.push(`${key}=${clip(value, secrets)}`);
  }
  if (parts.length === 0) return 'a JSON body with no error fields (not shown)';
  return parts.join(', ');
}

/** The API error type (`authentication_error`, `invalid_request_error`) or OAuth `error` code, if any. */
export function errorCode(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not JSON: `parsed` stays undefined, which names no code.
  }
  if (!isRecord(parsed)) return undefined;
  const err = parsed['error'];
  if (typeof err === 'string') return err;
  return isRecord(err) && typeof err['type'] === 'string' ? err['type'] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
