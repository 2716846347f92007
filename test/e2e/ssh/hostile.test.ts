import * as assert from 'assert';
import * as fs from 'fs';
import { InvalidInputError, listServers } from '../../../src/core/ssh';
import { TestSshd } from '../../support/sshd';
import { makeClient, makePool, recordingCallbacks, specFor, type Client } from './helpers';

const PWNED = '/tmp/PWNED';
const HOSTILE_PATH = `/tmp/x'; touch ${PWNED}; echo '`;

describe('ssh e2e: hostile names never reach a shell unquoted', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let client: Client;

  before(async () => {
    fs.rmSync(PWNED, { force: true });
    sshd = await TestSshd.start();
    client = makeClient();
    sshd.authorize(client.key.publicKey);
  });
  after(async () => {
    await sshd?.stop();
    client?.cleanup();
    fs.rmSync('/tmp/x\'; touch ', { recursive: true, force: true });
  });
  afterEach(() => assert.ok(!fs.existsSync(PWNED), `${PWNED} was created: something reached a shell unquoted`));

  it('an app directory with quotes and a command in its name arrives as one path', async () => {
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      const conn = pool.get(specFor(sshd, client, { name: `$(touch ${PWNED})`, appDir: HOSTILE_PATH }));
      let snap = await conn.snapshot();
      assert.deepStrictEqual(snap.app, { dir: HOSTILE_PATH, exists: false, currentRelease: null, lastDeploy: null });
      // now make it exist: the server sees the very same path
      fs.mkdirSync(HOSTILE_PATH, { recursive: true });
      snap = await conn.snapshot();
      assert.strictEqual(snap.app?.exists, true);
      assert.strictEqual(snap.server, `$(touch ${PWNED})`);
    } finally {
      pool.dispose();
    }
  });

  it('refuses unit names outside the allow-list before anything is sent', async () => {
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      const conn = pool.get(specFor(sshd, client));
      for (const unit of [`x; touch ${PWNED}`, `$(touch ${PWNED})`, '-h', "a'b", 'a b']) {
        await assert.rejects(conn.unitAction(unit, 'restart'), InvalidInputError);
        await assert.rejects(conn.logs(unit, 5), InvalidInputError);
        await assert.rejects(conn.followLogs(unit, 5), InvalidInputError);
      }
      // security review S6: a line count that is not a number is refused, not sent as -n NaN
      await assert.rejects(conn.logs('gunicorn.service', 'x; id' as unknown as number), InvalidInputError);
      assert.strictEqual(conn.state, 'idle', 'no connection was even opened');
      await assert.rejects(conn.unitAction('gunicorn.service', `restart; touch ${PWNED}` as 'restart'), InvalidInputError);
      // a watched unit with a bad name makes the server entry invalid as a whole
      await assert.rejects(pool.get(specFor(sshd, client, { name: 'bad-units', units: [`a;touch ${PWNED}`] })).snapshot(), InvalidInputError);
    } finally {
      pool.dispose();
    }
  });

  it('refuses hosts and users that would be options to ssh -G', async () => {
    const { problems } = listServers({
      settings: [{ name: 'evil', host: `-oProxyCommand=touch ${PWNED}` }, { name: 'evil2', host: 'h', user: `-oProxyCommand=touch ${PWNED}` }],
      includeSshConfigHosts: false,
    });
    assert.strictEqual(problems.length, 2, problems.join('\n'));
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      await assert.rejects(pool.get({ name: 'evil', host: `-oProxyCommand=touch ${PWNED}` }).connect(), InvalidInputError);
    } finally {
      pool.dispose();
    }
  });
});
