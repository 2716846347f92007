// The optional PostgreSQL server of provisioning: when the plan turns it on (detection, --set postgres=...), the
// step it makes from the server's facts (probe → change → nothing left to do), a DATABASE_URL the user gave kept,
// the missing driver said in the plan, and the server side's SCRAM verifier and URL reading (run with python3).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { detectProjectSync } from '../../../src/core/detect';
import { buildPlan, PlanError } from '../../../src/core/plan';
import type { DeployPlan, PlanOverrides } from '../../../src/core/plan';
import { planProvision, postgresNames, type PostgresFacts, type ServerFacts } from '../../../src/core/provision';
import { AGENT_SOURCE } from '../../../src/core/remote/agentSource';
import { renderReleaseUnits } from '../../../src/core/generate';

const repo = path.resolve(__dirname, '../../../..');
const polls = detectProjectSync(path.join(repo, 'examples/django-polls'));
const withDriver = { ...polls, dependencies: [...polls.dependencies, 'psycopg'].sort() };
const planOf = (d = withDriver, o: PlanOverrides = {}): DeployPlan => buildPlan(d, { domain: 'polls.example.com', name: 'polls', ...o }, { cores: 1 });
const NONCE = 'n0nce';

function facts(pg?: Partial<PostgresFacts>, installed = ['sudo']): ServerFacts {
  return {
    sshConnection: '127.0.0.1 5000 127.0.0.1 22', osRelease: { ID: 'debian', VERSION_ID: '12', PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' },
    arch: 'x86_64', uid: 0, memoryBytes: 2 * 1024 ** 3, diskFreeBytes: 20 * 1024 ** 3, pid1: 'systemd', python: '3.11.2',
    tools: { systemctl: '/usr/bin/systemctl', nginx: '/usr/sbin/nginx', 'apt-get': '/usr/bin/apt-get' },
    installed, users: { deploy: null, polls: null }, groups: { polls: null }, files: {},
    env: { exists: false, keys: {} }, units: {},
    ...(pg ? { postgres: { clusters: [], enabled: '', role: null, databaseOwner: null, databaseUrl: 'missing', login: null, ...pg } } : {}),
  };
}
const converged: Partial<PostgresFacts> = {
  clusters: [{ version: '15', cluster: 'main', port: 5432, online: true }], enabled: 'enabled', role: true, databaseOwner: 'polls', databaseUrl: 'local', login: true,
};
const step = (p: ReturnType<typeof planProvision>) => p.steps.find((s) => s.id === 'postgres');

describe('provision: PostgreSQL in the plan', () => {
  it('is on when detection finds a PostgreSQL driver (or the settings name PostgreSQL), off otherwise; --set decides', () => {
    const on = planOf();
    assert.deepStrictEqual([on.postgres, on.postgresSource, on.postgresDriver], [true, 'detected', 'psycopg']);
    assert.deepStrictEqual([planOf(polls).postgres, planOf(polls).postgresDriver], [false, null]);
    assert.strictEqual(planOf({ ...polls, database: 'postgresql' }).postgres, true);
    const given = planOf(polls, { postgres: 'true' });
    assert.deepStrictEqual([given.postgres, given.postgresSource], [true, 'given']);
    assert.strictEqual(planOf(withDriver, { postgres: 'no' }).postgres, false);
    assert.throws(() => planOf(polls, { postgres: 'maybe' }), (e: Error) => e instanceof PlanError && /postgres must be true or false/.test(e.message));
  });

  it('names the role and the database after the app; refuses names PostgreSQL keeps for itself', () => {
    assert.deepStrictEqual(postgresNames(planOf(withDriver, { name: 'my-app' })), { role: 'my_app', database: 'my_app' });
    assert.match(postgresNames(planOf(withDriver, { name: 'postgres' })).error ?? '', /keeps for itself/);
    assert.match(postgresNames(planOf(withDriver, { name: 'pg-stats' })).error ?? '', /pg_stats, a name PostgreSQL keeps/);
    const p = planProvision({ plan: planOf(withDriver, { name: 'template1' }) }, facts(), NONCE);
    assert.match(p.blockers.join(' '), /PostgreSQL: the app name template1 would make .* nothing was changed/);
  });

  it('a fresh server: postgresql joins the packages; the step after the env file creates role, database and DATABASE_URL', () => {
    const p = planProvision({ plan: planOf() }, facts(), NONCE);
    assert.deepStrictEqual(p.blockers, []);
    assert.match(p.steps[0].details[0], /install nginx, python3-venv, sudo, postgresql|install nginx, python3-venv, postgresql/);
    assert.deepStrictEqual(p.steps.map((s) => s.id), ['packages', 'users', 'directories', 'units', 'nginx', 'env', 'postgres', 'sudoers']);
    const s = step(p)!;
    assert.strictEqual(s.status, 'change');
    assert.match(s.details.join('\n'), /create the role polls \(login; no superuser/);
    assert.match(s.details.join('\n'), /create the database polls owned by polls \(UTF-8\)/);
    assert.match(s.details.join('\n'), /make polls's password on the server and add DATABASE_URL=postgresql:\/\/polls:…@localhost:5432\/polls to \/etc\/polls\/env/);
    const [a] = p.actions.get('postgres')!;
    assert.deepStrictEqual(a, { op: 'postgres', args: { role: 'polls', database: 'polls', envFile: '/etc/polls/env', owner: 'deploy', group: 'polls', mode: 0o640, setUrl: true } });
    assert.deepStrictEqual(p.warnings, [], 'psycopg is declared: no driver warning');
    // the app starts after PostgreSQL at boot (its socket may take a request before the cluster is up)
    assert.match(renderReleaseUnits(planOf())[1].content, /^After=postgresql\.service$/m);
    assert.doesNotMatch(renderReleaseUnits(planOf(polls))[1].content, /postgresql/);
  });

  it('a server already set up: the step is ok and does nothing; a password that no longer logs in is made again', () => {
    const ok = planProvision({ plan: planOf() }, facts(converged, ['nginx', 'python3-venv', 'sudo', 'postgresql']), NONCE);
    assert.strictEqual(step(ok)!.status, 'ok');
    assert.match(step(ok)!.details[0], /PostgreSQL 15\/main on port 5432: database polls owned by polls, DATABASE_URL in \/etc\/polls\/env logs in/);
    assert.ok(!ok.actions.has('postgres'));
    assert.ok(!ok.actions.has('packages'));
    const stale = planProvision({ plan: planOf() }, facts({ ...converged, login: false }, ['postgresql']), NONCE);
    assert.deepStrictEqual(step(stale)!.details, ['DATABASE_URL in /etc/polls/env does not log in as polls: make a new password on the server and write DATABASE_URL again']);
    const down = planProvision({ plan: planOf() }, facts({ ...converged, enabled: 'disabled', clusters: [{ version: '15', cluster: 'main', port: 5433, online: false }] }, ['postgresql']), NONCE);
    assert.deepStrictEqual(step(down)!.details, ['start the cluster 15/main', 'start PostgreSQL at boot (systemctl enable postgresql)']);
  });

  it('a DATABASE_URL the user gives: detection gives way (no server, said so); an explicit postgres=true sets it up and keeps the URL', () => {
    const secrets = { DATABASE_URL: 'postgresql://u:do-not-show@db.example.com/app' };
    const auto = planProvision({ plan: planOf(), secrets }, facts(), NONCE);
    assert.strictEqual(step(auto), undefined);
    assert.doesNotMatch(auto.steps[0].details[0], /postgresql/);
    assert.match(auto.warnings.join(' '), /DATABASE_URL is among the secrets you give: .* no PostgreSQL server is set up here/);
    const asked = planProvision({ plan: planOf(polls, { postgres: 'true' }), secrets }, facts(), NONCE);
    assert.strictEqual(step(asked)!.status, 'change');
    assert.strictEqual((asked.actions.get('postgres')![0].args as { setUrl: boolean }).setUrl, false);
    assert.match(asked.warnings.join(' '), /DATABASE_URL comes from the secrets you give: kept/);
    assert.ok(!JSON.stringify([auto.steps, auto.warnings, asked.steps, asked.warnings]).includes('do-not-show'));
    // one already in the env file that points elsewhere counts the same
    const onServer = planProvision({ plan: planOf() }, facts({ databaseUrl: 'other' }), NONCE);
    assert.strictEqual(step(onServer), undefined);
    assert.match(onServer.warnings.join(' '), /DATABASE_URL in \/etc\/polls\/env points at another database/);
  });

  it('says so in the plan when the project has no PostgreSQL driver, in the words of its dependency manager', () => {
    const p = planProvision({ plan: planOf(polls, { postgres: 'true' }) }, facts(), NONCE);
    assert.strictEqual(step(p)!.status, 'change');
    assert.match(p.warnings.join(' '), /declares no PostgreSQL driver Django can use \(psycopg or psycopg2\).*Add this line to requirements\.txt: psycopg\[binary\], commit, then deploy/);
    const asyncOnly = planProvision({ plan: planOf({ ...polls, dependencies: [...polls.dependencies, 'asyncpg'] }) }, facts(), NONCE);
    assert.match(asyncOnly.warnings.join(' '), /no PostgreSQL driver Django can use/);
  });

  it('a database of the same name owned by someone else blocks provisioning before anything changes', () => {
    const p = planProvision({ plan: planOf() }, facts({ ...converged, databaseOwner: 'someone' }, ['postgresql']), NONCE);
    assert.match(p.blockers.join(' '), /the database polls exists and belongs to someone, not polls/);
  });
});

describe('provision: the server side of PostgreSQL (python3)', () => {
  const py = (code: string) => execFileSync('python3', ['-c', `import sys\nexec(sys.stdin.read())\n${code}`], { input: AGENT_SOURCE, encoding: 'utf8' }).trim();

  it('the SCRAM-SHA-256 verifier is what PostgreSQL checks a login against (RFC 7677 test vector)', () => {
    const out = py([
      'import base64, hmac',
      'secrets.token_bytes = lambda n: base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")',
      'v = scram_verifier("pencil")',
      'am = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"',
      'print(v.split("$")[1].split(":")[0], base64.b64encode(hmac.new(base64.b64decode(v.split(":")[-1]), am.encode(), "sha256").digest()).decode())',
    ].join('\n'));
    assert.strictEqual(out, '4096 6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it('packages: a project library the archive lacks is skipped and said so; the others are installed; another apt failure stops', () => {
    // apt-get as the server would answer, with no network: libjpeg62-turbo is Debian's name (Ubuntu has libjpeg-turbo8).
    const fake = [
      'calls = []',
      'def run(argv, check=True, env=None, input=None, timeout=None, cwd=None):',
      '    calls.append(" ".join(a for a in argv if not a.startswith("-") and "::" not in a))',
      '    if argv[1] == "update": return 100, "E: network"',
      '    names = [a for a in argv[2:] if not a.startswith("-") and "::" not in a]',
      '    if "broken-dep" in names: return 100, "E: Unmet dependencies"',
      '    bad = [n for n in names if n in ("libjpeg62-turbo",)]',
      '    if bad: return 100, "\\n".join("E: Unable to locate package %s" % b for b in bad)',
      '    return 0, "Setting up %s" % names[-1]',
    ].join('\n');
    const out = py(`${fake}\nr = op_packages({"install": ["nginx"], "optional": ["libpq5", "libjpeg62-turbo"]})\nprint(json.dumps(r["what"]), r["changed"])\nprint("|".join(calls))`).split('\n');
    assert.strictEqual(out[0], '["skipped libjpeg62-turbo: not in this server\'s package archive"] True');
    assert.strictEqual(out[1], 'apt-get install nginx|apt-get install libpq5 libjpeg62-turbo|apt-get update|apt-get install libpq5 libjpeg62-turbo|apt-get install libpq5');
    const broken = py(`${fake}\ntry:\n    op_packages({"install": [], "optional": ["libpq5", "broken-dep"]})\nexcept Fail as e:\n    print(e)`);
    assert.strictEqual(broken, "apt-get could not install libpq5, broken-dep (the project's Dockerfile installs them)");
    const none = py(`${fake}\nr = op_packages({"install": [], "optional": ["libjpeg62-turbo"]})\nprint(r["changed"], r["what"][0])`);
    assert.strictEqual(none, "False skipped libjpeg62-turbo: not in this server's package archive");
  });

  it('tells the app\'s local DATABASE_URL from another one', () => {
    const out = py([
      'for u in ["postgresql://polls:x@localhost:5432/polls", "postgres://polls@/polls?host=/var/run/postgresql", "postgresql://polls:x@127.0.0.1/polls",',
      '          "postgresql://polls:x@db.example.com/polls", "postgresql://other:x@localhost/polls", "postgresql://polls:x@localhost/otherdb", "mysql://polls:x@localhost/polls"]:',
      '    print(int(pg_url_is_local(u, "polls", "polls")), end="")',
    ].join('\n'));
    assert.strictEqual(out, '1110000');
  });
});
