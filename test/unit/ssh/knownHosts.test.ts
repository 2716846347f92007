import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { checkHostKey, fingerprintOf, hostKeyAlias, keyTypeOf, parseKnownHosts, wildcardMatch } from '../../../src/core/ssh/knownHosts';

// Real keys from ssh-keygen, so that fingerprints can be compared with OpenSSH's own.
let dir: string;
function key(name: string, kind = 'ed25519'): { type: string; b64: string; file: string } {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', kind, ...(kind === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-f', file]);
  const [type, b64] = fs.readFileSync(file + '.pub', 'utf8').split(/\s+/);
  return { type, b64, file };
}

describe('known_hosts', () => {
  let a: ReturnType<typeof key>;
  let b: ReturnType<typeof key>;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-kh-'));
    a = key('a');
    b = key('b');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('files hosts like OpenSSH: bare on port 22, [host]:port otherwise, lower case', () => {
    assert.strictEqual(hostKeyAlias('Example.COM', 22), 'example.com');
    assert.strictEqual(hostKeyAlias('127.0.0.1', 2222), '[127.0.0.1]:2222');
  });

  it('computes the same SHA256 fingerprint and key type as ssh-keygen', () => {
    const out = execFileSync('ssh-keygen', ['-lf', a.file + '.pub'], { encoding: 'utf8' });
    assert.strictEqual(out.split(/\s+/)[1], fingerprintOf(a.b64));
    assert.strictEqual(keyTypeOf(Buffer.from(a.b64, 'base64')), 'ssh-ed25519');
  });

  it('matches plain names, comma lists and [host]:port', () => {
    const e = parseKnownHosts(`web.example.com,10.0.0.5 ${a.type} ${a.b64}\n[127.0.0.1]:2222 ${b.type} ${b.b64}\n`);
    assert.strictEqual(checkHostKey(e, '10.0.0.5', a.type, a.b64).status, 'known');
    assert.strictEqual(checkHostKey(e, 'web.example.com', a.type, a.b64).status, 'known');
    assert.strictEqual(checkHostKey(e, '[127.0.0.1]:2222', b.type, b.b64).status, 'known');
    // the same address on port 22 is another host
    assert.strictEqual(checkHostKey(e, '127.0.0.1', b.type, b.b64).status, 'unknown');
  });

  it('says changed when the host has another key of the same type, with the line', () => {
    const e = parseKnownHosts(`# comment\n\nweb ${a.type} ${a.b64}\n`, '/x/known_hosts');
    const r = checkHostKey(e, 'web', b.type, b.b64);
    assert.strictEqual(r.status, 'changed');
    assert.strictEqual(`${r.entries[0].file}:${r.entries[0].line}`, '/x/known_hosts:3');
  });

  it('matches hashed entries written by ssh-keygen -H', () => {
    const f = path.join(dir, 'kh');
    fs.writeFileSync(f, `[127.0.0.1]:2222 ${a.type} ${a.b64}\nweb.example.com ${b.type} ${b.b64}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', f], { stdio: 'pipe' });
    const text = fs.readFileSync(f, 'utf8');
    assert.ok(text.startsWith('|1|'), 'the file is hashed');
    assert.ok(!text.includes('web.example.com'));
    const e = parseKnownHosts(text);
    assert.strictEqual(checkHostKey(e, '[127.0.0.1]:2222', a.type, a.b64).status, 'known');
    assert.strictEqual(checkHostKey(e, 'web.example.com', b.type, b.b64).status, 'known');
    assert.strictEqual(checkHostKey(e, 'web.example.com', a.type, a.b64).status, 'changed');
    assert.strictEqual(checkHostKey(e, 'other.example.com', b.type, b.b64).status, 'unknown');
  });

  it('honours wildcards and negation', () => {
    const e = parseKnownHosts(`*.example.com,!bad.example.com ${a.type} ${a.b64}\nweb? ${b.type} ${b.b64}\n`);
    assert.strictEqual(checkHostKey(e, 'api.example.com', a.type, a.b64).status, 'known');
    assert.strictEqual(checkHostKey(e, 'bad.example.com', a.type, a.b64).status, 'unknown');
    assert.strictEqual(checkHostKey(e, 'web1', b.type, b.b64).status, 'known');
    // `?` is exactly one character: `web` is not `web?`
    assert.strictEqual(checkHostKey(e, 'web', b.type, b.b64).status, 'unknown');
  });

  it('refuses @revoked keys even when another line trusts them', () => {
    const e = parseKnownHosts(`web ${a.type} ${a.b64}\n@revoked * ${a.type} ${a.b64}\n`);
    assert.strictEqual(checkHostKey(e, 'web', a.type, a.b64).status, 'revoked');
    assert.strictEqual(checkHostKey(e, 'web', b.type, b.b64).status, 'changed');
  });

  it('ignores @cert-authority lines and says why', () => {
    const e = parseKnownHosts(`@cert-authority *.example.com ${a.type} ${a.b64}\n`);
    const r = checkHostKey(e, 'web.example.com', a.type, a.b64);
    assert.strictEqual(r.status, 'unknown');
    assert.match(r.notes[0], /cert-authority.*not used/);
  });

  it('skips malformed lines and unknown markers', () => {
    const e = parseKnownHosts(`garbage\n@foo web ${a.type} ${a.b64}\nweb ${a.type} not*base64\n`);
    assert.strictEqual(e.length, 0);
  });

  // Security review R-S1: a man in the middle offering only another key type must not look "new".
  it('says changed when the host is known by a key of ANOTHER type (type downgrade), listing every known key', () => {
    const rsa = key('rsa', 'rsa');
    const e = parseKnownHosts(`[127.0.0.1]:22206 ${a.type} ${a.b64}\n[127.0.0.1]:22206 ${b.type} ${b.b64}\n`, '/kh');
    const r = checkHostKey(e, '[127.0.0.1]:22206', rsa.type, rsa.b64);
    assert.strictEqual(r.status, 'changed');
    assert.deepStrictEqual(r.entries.map((x) => x.line), [1, 2]);
    // still unknown for another host, and known for the right key
    assert.strictEqual(checkHostKey(e, '[127.0.0.1]:22207', rsa.type, rsa.b64).status, 'unknown');
    assert.strictEqual(checkHostKey(e, '[127.0.0.1]:22206', b.type, b.b64).status, 'known');
    // a @cert-authority line is not a known key: it changes nothing
    const ca = parseKnownHosts(`@cert-authority [127.0.0.1]:22206 ${a.type} ${a.b64}\n`);
    assert.strictEqual(checkHostKey(ca, '[127.0.0.1]:22206', rsa.type, rsa.b64).status, 'unknown');
  });

  // Security review R-S5: 12 '*' took 14.5 s per connection with a regex.
  it('matches host patterns in linear time, however many * they hold (stall guard, no timing assertion)', () => {
    const stars = '*'.repeat(5000) + 'x';
    assert.strictEqual(wildcardMatch(stars, '[127.0.0.1]:' + '2'.repeat(5000)), false);
    assert.strictEqual(wildcardMatch('*?*?*?*?' + '*'.repeat(1000) + '2', '[127.0.0.1]:' + '2'.repeat(5000)), true);
    const e = parseKnownHosts(`${'*'.repeat(300)}x ${a.type} ${a.b64}\n`);
    assert.strictEqual(checkHostKey(e, '[127.0.0.1]:22222222222', a.type, a.b64).status, 'unknown');
  });

  it('the glob matcher agrees with a reference regex on random patterns', () => {
    const ch = fc.constantFrom('a', 'b', '.', '*', '?', 'A');
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 8 }), fc.array(fc.constantFrom('a', 'b', '.', 'B'), { maxLength: 10 }), (pa, na) => {
        const pattern = pa.join('');
        const name = na.join('');
        const re = new RegExp('^' + pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
        return wildcardMatch(pattern, name) === re.test(name.toLowerCase());
      }),
      { numRuns: 2000 },
    );
  });
});
