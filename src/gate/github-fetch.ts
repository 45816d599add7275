// The fetch the gate hands Octokit for each look-up: @actions/github's own (undici's fetch through
// the proxy HTTPS_PROXY / HTTP_PROXY / NO_PROXY name for GITHUB_API_URL), with the body read here,
// at most 2 MiB of it, and kept as text for the gate to parse. Octokit gets the same answer back.

export type Fetch = typeof globalThis.fetch;

export const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Statuses whose Response can have no body. */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([204, 205, 304]);

/** The answer's body is over MAX_BODY_BYTES: not read further, not retried. Recognised by its
 *  class (./github-answer.ts says so in its own words); Octokit wraps it, and nothing prints it. */
export class BodyTooLarge extends Error {}

/** `fetch`, with the body read here, at most MAX_BODY_BYTES of it, and kept as text in `kept`;
 *  Octokit gets the same answer back. */
export function readingBody(fetch: Fetch, kept: { body?: string }): Fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
    while (reader !== undefined) {
      const read = await reader.read();
      if (read.done) break;
      size += read.value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw new BodyTooLarge();
      }
      chunks.push(read.value);
    }
    const bytes = Buffer.concat(chunks);
    kept.body = bytes.toString('utf8');
    const { status, statusText, headers } = response;
    return new Response(NULL_BODY_STATUSES.has(status) ? null : bytes, { status, statusText, headers });
  };
}
