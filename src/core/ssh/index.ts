// The SSH layer (ssh2), bundled apart as dist/ssh.js and loaded on first use.
//
// How the Servers view uses it:
//   const { servers, problems } = listServers({ settings, sshConfigFile, includeSshConfigHosts });  // cheap, no network
//   const pool = new SshPool({ trustStore, callbacks, sshConfigFile, lookupServer, commandTimeoutMs });
//   const conn = pool.get(spec);              // one cached connection per server, one channel at a time
//   conn.onStateChange((s) => …);             // 'disconnected' → show the last snapshot as stale
//   const snap = await conn.snapshot();       // one remote script in one exec
//   await conn.unitAction('gunicorn.service', 'restart');   // sudo -n; SudoPasswordRequiredError when sudo asks
//   const text = await conn.logs('nginx.service', 200);
//   const follow = await conn.followLogs('nginx.service', 50);   // own connection; follow.close()
//   const shell = await conn.shell({ cols, rows });               // own connection, pty
//   const fp = await conn.fingerprint();      // 'SHA256:…'
//   pool.dispose();
// Errors are the typed classes of ./errors (switch on `code`).

export * from './types';
export * from './errors';
export { shQuote, shCommand, isValidUnitName, assertUnitName } from './quote';
export {
  parseKnownHosts,
  checkHostKey,
  fingerprintOf,
  keyTypeOf,
  hostKeyAlias,
  type KnownHostsEntry,
  type HostKeyCheck,
} from './knownHosts';
export { listSshConfigHosts, resolveSshHost, expandHome, defaultSshConfigFile, parseHop, type ResolveHostOptions } from './sshConfig';
export { listServers, resolveServer, validateServer, type ListServersOptions, type ResolveServerOptions } from './servers';
export { FileTrustStore, MemoryTrustStore, defaultCliTrustStorePath } from './trustStore';
export { parseSnapshotOutput, snapshotScript } from './snapshot';
export { ServerConnection } from './connection';
export { SshPool } from './pool';
