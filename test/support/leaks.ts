// Finds secrets where a person could read them, whole or in part: a cut-off assertion or token is
// a leak too, and the runner's masks (which match whole values only) would not hide it.

/** Length of the slices of each secret looked for: long enough that a match cannot be chance. */
const SLICE = 24;
/** The start of a JWT: a base64url JSON header and then some. */
const JWT_START = /eyJ[A-Za-z0-9_-]{16,}/;

/** Every place where `text` holds a secret or a SLICE-character piece of one, or a JWT's start. */
export function leaks(text: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  const jwt = JWT_START.exec(text);
  if (jwt !== null) found.push(`a JWT's start at ${jwt.index}`);
  for (const secret of secrets) {
    for (let i = 0; i + SLICE <= secret.length; i++) {
      const at = text.indexOf(secret.slice(i, i + SLICE));
      if (at !== -1) {
        found.push(`characters ${i}–${i + SLICE} of a ${secret.length}-character secret at ${at}`);
        break;
      }
    }
    if (secret.length < SLICE && secret.length >= 8 && text.includes(secret)) found.push(`a ${secret.length}-character secret`);
  }
  return found;
}
