// `cloudward verify <url>`: fetch the live site and check what a visitor and an attacker would see.
import fs = require('fs');
import type * as VerifyCore from '../core/verify';
import { registerCliCommand } from './main';
import { Exit, UsageError, writeLine } from './command';
import { parseCommandArgs } from './parseError';

/** The HTTP(S) checks (node:http, https, tls) load when the command runs, not with every command. */
function loadVerify(): typeof VerifyCore {
  return require('../core/verify') as typeof VerifyCore;
}

const USAGE = `Usage: cloudward verify <url> [--resolve host:address] [--http-url url] [--cacert file] [--admin] [--json]

Fetches the live site and checks it: a page answers, a static file loads with its type, plain HTTP
redirects to HTTPS, HSTS is on, cookies are Secure, DEBUG is off (a 404 is not Django's debug page),
and the certificate has more than 14 days left. Exit 0 when no check failed, 1 otherwise.

Options:
  --resolve host:address  connect to address for host (before DNS points at the server), repeatable
  --http-url url          the plain-HTTP address whose redirect is checked (default: http://host/)
  --cacert file           trust this CA certificate too (PEM), e.g. a test certificate
  --admin                 also warn when the Django admin answers at the guessable /admin/
  --json                  print the report as JSON
  -h, --help              show this help`;

registerCliCommand({
  name: 'verify',
  summary: 'check the live site: page, static files, HTTPS redirect, HSTS, secure cookies, DEBUG off',
  usage: USAGE,
  async run(argv, io) {
    const parsed = parseCommandArgs('verify', argv, {
      resolve: { type: 'string', multiple: true },
      'http-url': { type: 'string' },
      cacert: { type: 'string' },
      admin: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('give the one URL to verify, e.g. cloudward verify https://example.com/');
    const resolve: Record<string, string> = {};
    for (const r of values.resolve ?? []) {
      const i = r.indexOf(':');
      if (i <= 0) throw new UsageError(`--resolve needs host:address, got '${r}'`);
      resolve[r.slice(0, i)] = r.slice(i + 1);
    }
    let ca: Buffer | undefined;
    if (values.cacert) {
      if (!fs.existsSync(values.cacert)) throw new UsageError(`no such file: ${values.cacert}`);
      ca = fs.readFileSync(values.cacert);
    }
    let report;
    try {
      report = await loadVerify().verifySite(positionals[0], { resolve, ca, httpUrl: values['http-url'], checkAdminPath: values.admin });
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    writeLine(io.out, values.json ? JSON.stringify(report, null, 2) : loadVerify().formatVerifyReport(report));
    return report.ok ? Exit.ok : Exit.findings;
  },
});
