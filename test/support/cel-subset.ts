// Evaluates the few CEL forms the action's suggested conditions use, and refuses anything else, so
// a test can hold the printed condition against claims the way Anthropic's rule engine would:
//   claims.NAME == 'STRING'
//   'STRING' in (type(claims.aud) == list ? claims.aud : [claims.aud])
// joined by &&. Strings are single-quoted with \\ \' and \uXXXX escapes.

const STRING = String.raw`'((?:[^'\\]|\\.)*)'`;
const EQUALS = new RegExp(String.raw`^claims\.([A-Za-z_][A-Za-z0-9_]*) == ${STRING}$`);
const AUDIENCE_IN = new RegExp(String.raw`^${STRING} in \(type\(claims\.aud\) == list \? claims\.aud : \[claims\.aud\]\)$`);

function unquote(body: string): string {
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
    e.startsWith('u') && e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e,
  );
}

/** A predicate over claims; throws on a clause outside the subset. */
export function compileCondition(condition: string): (claims: Record<string, unknown>) => boolean {
  const clauses = condition.split(/\s*&&\s*/).map((clause) => clause.trim());
  const tests = clauses.map((clause): ((claims: Record<string, unknown>) => boolean) => {
    const eq = EQUALS.exec(clause);
    if (eq !== null) {
      const [, name, body] = eq;
      const expected = unquote(body!);
      return (claims) => claims[name!] === expected;
    }
    const aud = AUDIENCE_IN.exec(clause);
    if (aud !== null) {
      const expected = unquote(aud[1]!);
      return (claims) => (Array.isArray(claims['aud']) ? (claims['aud'] as unknown[]) : [claims['aud']]).includes(expected);
    }
    throw new Error(`not in the CEL subset: ${clause}`);
  });
  return (claims) => tests.every((test) => test(claims));
}
