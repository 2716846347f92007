// Before VS Code starts: a real OpenSSH daemon on loopback (S1's harness, test/support/sshd.ts), a key
// for the test user, and the server's `cloudward.servers` entry for the test to add. The host key is NOT
// put anywhere here: the test trusts it through the extension's own trust store, as a user would.
// Variables for the extension host (the tests read them): CLOUDWARD_TEST_SSHD_*.
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, writeWorkspaceSettings } from '../../../scripts/workbench.mjs';

export const SERVER_NAME = 'loopback';
export const GROUP = 'Loopback';

export async function setup({ workspace, env }) {
  // (UI tests call this too, then start an ssh-agent with CLOUDWARD_TEST_SSHD_KEY.)
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    // The tests fail with this reason rather than pass without a server.
    env.CLOUDWARD_TEST_SSHD_ERROR = 'the loopback sshd needs root (it switches to the test user)';
    return undefined;
  }
  const require = createRequire(import.meta.url);
  const { TestSshd, makeKey } = require(join(repoRoot, 'out', 'test', 'support', 'sshd.js'));
  let sshd;
  try {
    sshd = await TestSshd.start();
  } catch (e) {
    // Only the servers tests fail (with this reason); the rest of the suite still runs.
    env.CLOUDWARD_TEST_SSHD_ERROR = e.message;
    return undefined;
  }
  const keyDir = mkdtempSync(join(tmpdir(), 'cw-vscode-key-'));
  try {
    const key = makeKey(keyDir, 'id_ed25519');
    sshd.authorize(key.publicKey);
    // A passphrase-protected key too, for the stored-secret test.
    const PASSPHRASE = 'correct horse battery staple';
    const locked = makeKey(keyDir, 'id_locked', PASSPHRASE);
    sshd.authorize(locked.publicKey);
    // An app directory with a current release, for the App section.
    const appDir = join(sshd.dir, 'app');
    mkdirSync(join(appDir, 'releases', '20261122-0500'), { recursive: true });
    symlinkSync(join(appDir, 'releases', '20261122-0500'), join(appDir, 'current'));

    // The folder opens untrusted in the test workbench, and `cloudward.servers` is a restricted setting
    // (an untrusted folder must not name servers to connect to): the test puts the server in the user
    // settings itself, as "Add Server…" does. Here only what an untrusted folder may set.
    writeWorkspaceSettings(workspace, {
      // Only the loopback server: the machine's own ~/.ssh/config is not the test's business.
      'cloudward.serversView.showSshConfigHosts': false,
    });
    env.CLOUDWARD_TEST_SSHD_SERVER_SETTING = JSON.stringify({
      name: SERVER_NAME, host: sshd.host, port: sshd.port, user: sshd.user, identityFile: key.privateKey, group: GROUP, appDir,
    });
    const { keyType, keyBase64 } = sshd.hostPublicKey;
    Object.assign(env, {
      CLOUDWARD_TEST_SSHD_PORT: String(sshd.port),
      CLOUDWARD_TEST_SSHD_PID: String(sshd.daemonPid),
      CLOUDWARD_TEST_SSHD_HOSTKEY: `${keyType} ${keyBase64}`,
      CLOUDWARD_TEST_SSHD_RECORD: sshd.actionsFile,
      CLOUDWARD_TEST_SSHD_KEY: key.privateKey,
      CLOUDWARD_TEST_SSHD_LOCKED_KEY: locked.privateKey,
      CLOUDWARD_TEST_SSHD_PASSPHRASE: PASSPHRASE,
      CLOUDWARD_TEST_SSHD_USER: sshd.user,
      CLOUDWARD_TEST_SSHD_FINGERPRINT: sshd.fingerprint,
      CLOUDWARD_TEST_SSHD_SERVER: SERVER_NAME,
      CLOUDWARD_TEST_SSHD_GROUP: GROUP,
      CLOUDWARD_TEST_SSHD_UNITS: 'gunicorn.service,nginx.service,postgresql.service',
      // No agent from the machine: the identity file is what logs in.
      SSH_AUTH_SOCK: '',
    });
  } catch (e) {
    await sshd.stop();
    rmSync(keyDir, { recursive: true, force: true });
    throw e;
  }
  return async () => {
    await sshd.stop();
    rmSync(keyDir, { recursive: true, force: true });
  };
}
