// A loopback stand-in for the two GitHub REST endpoints the gate calls:
//   GET {prefix}/repos/{owner}/{repo}/collaborators/{username}/permission
//   GET {prefix}/repos/{owner}/{repo}/pulls/{number}
// Listens on 127.0.0.1, port 0. Answers like GitHub (JSON bodies, 404 for unknown users and pull
// requests, 401 without the expected token), can be told to misbehave per user or per pull
// request, and records every request with its authorization header.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | 'error-once' // 500, then the configured answer
  | 'error-always' // 500 every time
  | 'unavailable-once' // 503 with Retry-After: 2, then the configured answer
  | 'rate-limited-once' // 429, then the configured answer
  | 'rate-limit-exhausted' // 403 with x-ratelimit-remaining: 0
  | 'not-found' // 404
  | 'unauthorized' // 401
  | 'forbidden' // 403 "Resource not accessible by integration"
  | 'unprocessable' // 422
  | 'moved' // 301 to another URL
  | 'hang' // never answers
  | 'hang-once' // never answers the first time, then the configured answer
  | 'reset' // destroys the connection without an answer
  | 'malformed-json' // 200 with a truncated body
  | 'wrong-shape' // 200 with JSON that lacks the expected fields
  | 'echo-token'; // 403 whose message quotes the authorization header (to test redaction)

export interface UserAnswer {
  /** What GitHub puts in `permission` (admin, write, read, none, or anything to test parsing). */
  readonly permission?: string;
  /** The login GitHub returns in `user.login` (defaults to the one asked for). */
  readonly returnLogin?: string;
  readonly fault?: Fault;
}

export interface PullAnswer {
  /** `head.repo.id`; null for a deleted head repository. */
  readonly headRepoId?: number | null;
  readonly headRepoFullName?: string;
  /** `user.login` (defaults to the repository's owner); null: the answer has no `user`. */
  readonly author?: string | null;
  /** `user.type` (defaults to "User"). */
  readonly authorType?: string;
  readonly fault?: Fault;
}

export interface FakeGitHubConfig {
  /** OWNER/REPO the stand-in serves; other repositories get 404. */
  readonly repository: string;
  /** The token it expects (`authorization: Bearer …` or `token …`); anything else gets 401. */
  readonly token: string;
  /** Path prefix, e.g. "/api/v3" to stand in for GitHub Enterprise Server. */
  readonly prefix?: string;
  /** Keyed by login, case-insensitive. Unknown logins are not collaborators (404). */
  readonly users?: Readonly<Record<string, UserAnswer | string>>;
  readonly pulls?: Readonly<Record<number, PullAnswer>>;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path with query, as received (percent-encoding kept). */
  readonly path: string;
  /** `permission:<login>`, `pull:<number>`, or `other`. */
  readonly lookup: string;
  readonly authorization: string | undefined;
  readonly userAgent: string | undefined;
  readonly accept: string | undefined;
  readonly apiVersion: string | undefined;
}

export interface FakeGitHub {
  /** Base URL to use as GITHUB_API_URL (includes the prefix). */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Replaces the configuration and forgets recorded requests and spent one-shot faults. */
  reset(config: FakeGitHubConfig): void;
  /** The look-ups made so far, in order: ["permission:alice", "pull:12", …]. */
  lookups(): string[];
  close(): Promise<void>;
}

export async function startFakeGitHub(initial: FakeGitHubConfig): Promise<FakeGitHub> {
  let config = initial;
  let spent = new Set<string>();
  const requests: RecordedRequest[] = [];
  const prefix = (initial.prefix ?? '').replace(/\/+$/, '');

  const server: Server = createServer((req, res) => {
    handle(req, res);
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const rawPath = req.url ?? '/';
    const pathOnly = rawPath.split('?')[0] ?? '/';
    const lookup = classify(pathOnly);
    requests.push({
      method: req.method ?? '',
      path: rawPath,
      lookup: lookup.label,
      authorization: single(req.headers.authorization),
      userAgent: single(req.headers['user-agent']),
      accept: single(req.headers.accept),
      apiVersion: single(req.headers['x-github-api-version']),
    });
    req.resume();

    const auth = single(req.headers.authorization);
    if (auth !== `Bearer ${config.token}` && auth !== `token ${config.token}`) {
      return json(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    if (req.method !== 'GET') return json(res, 404, notFound());
    if (lookup.kind === 'other' || lookup.repository.toLowerCase() !== config.repository.toLowerCase()) {
      return json(res, 404, notFound());
    }

    if (lookup.kind === 'permission') {
      const entry = findUser(lookup.key);
      const answer: UserAnswer | undefined = typeof entry === 'string' ? { permission: entry } : entry;
      if (answer?.fault !== undefined && applyFault(res, answer.fault, `permission:${lookup.key}`, auth)) return;
      if (answer?.fault === 'wrong-shape') return json(res, 200, { role_name: answer.permission ?? 'write' });
      if (answer?.permission === undefined) return json(res, 404, notFound());
      const login = answer.returnLogin ?? lookup.key;
      return json(res, 200, {
        permission: answer.permission,
        role_name: answer.permission,
        user: {
          login,
          id: 1000 + login.length,
          node_id: 'MDQ6VXNlcjE=',
          type: 'User',
          site_admin: false,
          permissions: { admin: answer.permission === 'admin', push: answer.permission !== 'read', pull: true },
        },
      });
    }

    const answer = config.pulls?.[lookup.number];
    if (answer?.fault !== undefined && applyFault(res, answer.fault, `pull:${lookup.number}`, auth)) return;
    if (answer === undefined) return json(res, 404, notFound());
    if (answer.fault === 'wrong-shape') return json(res, 200, { number: lookup.number, title: 'no head here' });
    const [owner] = config.repository.split('/');
    const headRepo =
      answer.headRepoId === null
        ? null
        : {
            id: answer.headRepoId ?? 1,
            node_id: 'R_kgDOExample',
            name: (answer.headRepoFullName ?? config.repository).split('/')[1],
            full_name: answer.headRepoFullName ?? config.repository,
            fork: answer.headRepoFullName !== undefined,
            private: false,
          };
    return json(res, 200, {
      url: `https://api.github.com/repos/${config.repository}/pulls/${lookup.number}`,
      id: 9_000_000 + lookup.number,
      number: lookup.number,
      state: 'open',
      title: 'Example pull request',
      ...(answer.author === null ? {} : { user: { login: answer.author ?? owner, id: 42, type: answer.authorType ?? 'User' } }),
      head: { label: 'someone:feature', ref: 'feature', sha: 'a'.repeat(40), repo: headRepo },
      base: { label: `${owner}:main`, ref: 'main', sha: 'b'.repeat(40) },
    });
  }

  /** Writes the fault's answer and returns true, or returns false when a one-shot fault is spent. */
  function applyFault(res: ServerResponse, fault: Fault, key: string, auth: string | undefined): boolean {
    const once = fault === 'error-once' || fault === 'unavailable-once' || fault === 'rate-limited-once' || fault === 'hang-once';
    if (once) {
      if (spent.has(key)) return false;
      spent.add(key);
    }
    switch (fault) {
      case 'error-once':
      case 'error-always':
        json(res, 500, { message: 'Server Error' });
        return true;
      case 'unavailable-once':
        res.setHeader('retry-after', '2');
        json(res, 503, { message: 'Service Unavailable' });
        return true;
      case 'rate-limited-once':
        json(res, 429, { message: 'Too Many Requests' });
        return true;
      case 'rate-limit-exhausted':
        res.setHeader('x-ratelimit-remaining', '0');
        json(res, 403, { message: 'API rate limit exceeded for installation ID 1.' });
        return true;
      case 'not-found':
        json(res, 404, notFound());
        return true;
      case 'unauthorized':
        json(res, 401, { message: 'Bad credentials' });
        return true;
      case 'forbidden':
        json(res, 403, { message: 'Resource not accessible by integration' });
        return true;
      case 'unprocessable':
        json(res, 422, { message: 'Validation Failed' });
        return true;
      case 'moved':
        res.setHeader('location', `${url}/repositories/1`);
        json(res, 301, { message: 'Moved Permanently', url: `${url}/repositories/1` });
        return true;
      case 'hang':
      case 'hang-once':
        return true; // never answered; closeAllConnections ends it
      case 'reset':
        res.socket?.destroy();
        return true;
      case 'malformed-json':
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end('{"permission": "wri');
        return true;
      case 'wrong-shape':
        return false; // handled by the caller with a 200
      case 'echo-token':
        json(res, 403, { message: `token ${auth ?? ''} is not allowed here` });
        return true;
    }
  }

  function findUser(login: string): UserAnswer | string | undefined {
    const users = config.users ?? {};
    for (const [key, value] of Object.entries(users)) {
      if (key.toLowerCase() === login.toLowerCase()) return value;
    }
    return undefined;
  }

  type Lookup =
    | { kind: 'permission'; label: string; repository: string; key: string }
    | { kind: 'pull'; label: string; repository: string; number: number }
    | { kind: 'other'; label: string };

  function classify(path: string): Lookup {
    if (!path.startsWith(`${prefix}/`)) return { kind: 'other', label: 'other' };
    const parts = path
      .slice(prefix.length + 1)
      .split('/')
      .map((p) => safeDecode(p));
    const [repos, owner, repo, what, arg, tail] = parts;
    if (repos !== 'repos' || owner === undefined || repo === undefined) return { kind: 'other', label: 'other' };
    const repository = `${owner}/${repo}`;
    if (what === 'collaborators' && arg !== undefined && tail === 'permission' && parts.length === 6) {
      return { kind: 'permission', label: `permission:${arg}`, repository, key: arg };
    }
    if (what === 'pulls' && arg !== undefined && /^\d+$/.test(arg) && parts.length === 5) {
      return { kind: 'pull', label: `pull:${arg}`, repository, number: Number(arg) };
    }
    return { kind: 'other', label: 'other' };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}${prefix}`;

  return {
    url,
    requests,
    reset(next: FakeGitHubConfig): void {
      if ((next.prefix ?? '').replace(/\/+$/, '') !== prefix) throw new Error('the prefix is fixed when the server starts');
      config = next;
      spent = new Set();
      requests.length = 0;
      // Drop connections left hanging by the previous test.
      server.closeAllConnections();
    },
    lookups(): string[] {
      return requests.map((r) => r.lookup);
    },
    close(): Promise<void> {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function notFound(): unknown {
  return { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The collaborators the gate's tests use: alice admin, bob write, carol read, dave none, erin
 *  maintain, trish triage; mallory and everyone else are not collaborators (404). */
export const TEST_USERS: Readonly<Record<string, UserAnswer | string>> = {
  alice: 'admin',
  bob: 'write',
  carol: 'read',
  dave: 'none',
  erin: 'maintain',
  trish: 'triage',
};

/** #12 head in acme/widgets (id 100) by bob; #13 head in acme/widgets by mallory (anyone can open
 *  a pull request between two existing branches); #14 head in acme/widgets by dependabot[bot];
 *  #34 head in the fork mallory/widgets; #35 head repository deleted; #36 head in erin's fork. */
export const TEST_PULLS: Readonly<Record<number, PullAnswer>> = {
  12: { headRepoId: 100, author: 'bob' },
  13: { headRepoId: 100, author: 'mallory' },
  14: { headRepoId: 100, author: 'dependabot[bot]', authorType: 'Bot' },
  34: { headRepoId: 200, headRepoFullName: 'mallory/widgets', author: 'mallory' },
  35: { headRepoId: null, author: 'mallory' },
  36: { headRepoId: 300, headRepoFullName: 'erin/widgets', author: 'erin' },
};
