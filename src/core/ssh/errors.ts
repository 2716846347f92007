// Typed errors of the SSH layer. Callers switch on `code` (or instanceof); messages are written for users
// and never contain a secret.

export type SshErrorCode =
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_CHANGED'
  | 'HOST_KEY_REVOKED'
  | 'AUTH_FAILED'
  | 'UNREACHABLE'
  | 'CONNECTION_LOST'
  | 'COMMAND_TIMEOUT'
  | 'COMMAND_FAILED'
  | 'SUDO_PASSWORD_REQUIRED'
  | 'INVALID_INPUT'
  | 'CONFIG';

export class SshError extends Error {
  constructor(
    readonly code: SshErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

/** The host offered a key nobody trusted (the user declined, or no one could be asked). */
export class HostKeyUnknownError extends SshError {
  constructor(
    readonly hostPort: string,
    readonly keyType: string,
    readonly fingerprint: string,
    reason = 'not trusted',
  ) {
    super('HOST_KEY_UNKNOWN', `The host key of ${hostPort} is unknown (${keyType} ${fingerprint}): ${reason}.`);
    this.name = 'HostKeyUnknownError';
  }
}

/** The host offered a key different from the one on record: refused, maybe an attack. */
export class HostKeyChangedError extends SshError {
  constructor(
    readonly hostPort: string,
    readonly keyType: string,
    /** What the server offered now. */
    readonly fingerprint: string,
    /** What is on record (known_hosts or the trust store). */
    readonly expectedFingerprints: string[],
    /** Where the recorded key is (`file:line` or 'trust store'). */
    readonly recordedIn: string[],
  ) {
    super(
      'HOST_KEY_CHANGED',
      `The host key of ${hostPort} has CHANGED: the server offered ${keyType} ${fingerprint}, but ${recordedIn.join(', ')} ` +
        `has ${expectedFingerprints.join(', ')}. This could be an attack; refusing to connect. ` +
        `If the server was reinstalled, remove the old key from ${recordedIn.join(', ')} and connect again.`,
    );
    this.name = 'HostKeyChangedError';
  }
}

/** The host's key is marked @revoked in a known_hosts file. */
export class HostKeyRevokedError extends SshError {
  constructor(
    readonly hostPort: string,
    readonly fingerprint: string,
    readonly recordedIn: string,
  ) {
    super('HOST_KEY_REVOKED', `The host key of ${hostPort} (${fingerprint}) is revoked in ${recordedIn}; refusing to connect.`);
    this.name = 'HostKeyRevokedError';
  }
}

export class AuthFailedError extends SshError {
  constructor(
    readonly target: string,
    readonly tried: string[],
  ) {
    super(
      'AUTH_FAILED',
      `Could not log in to ${target} (tried: ${tried.length ? tried.join(', ') : 'nothing'}). ` +
        'Check the user and identity file, or load the key into ssh-agent.',
    );
    this.name = 'AuthFailedError';
  }
}

export class UnreachableError extends SshError {
  constructor(
    readonly target: string,
    readonly reason: string,
  ) {
    super('UNREACHABLE', `Cannot reach ${target}: ${reason}.`);
    this.name = 'UnreachableError';
  }
}

/** The connection dropped while a command ran. */
export class ConnectionLostError extends SshError {
  constructor(
    readonly target: string,
    reason: string,
  ) {
    super('CONNECTION_LOST', `Lost the connection to ${target}: ${reason}.`);
    this.name = 'ConnectionLostError';
  }
}

export class CommandTimeoutError extends SshError {
  constructor(
    readonly target: string,
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super('COMMAND_TIMEOUT', `${what} on ${target} took longer than ${Math.round(timeoutMs / 100) / 10} s and was killed.`);
    this.name = 'CommandTimeoutError';
  }
}

export class CommandFailedError extends SshError {
  constructor(
    readonly target: string,
    readonly what: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super('COMMAND_FAILED', `${what} on ${target} failed${exitCode === null ? '' : ` (exit ${exitCode})`}${output.trim() ? `: ${output.trim().slice(0, 2000)}` : '.'}`);
    this.name = 'CommandFailedError';
  }
}

/** `sudo -n` refused because sudo wants a password for this user. */
export class SudoPasswordRequiredError extends SshError {
  constructor(
    readonly target: string,
    readonly what: string,
  ) {
    super(
      'SUDO_PASSWORD_REQUIRED',
      `${what} on ${target} needs sudo, and sudo asks this user for a password. ` +
        'Allow it without a password for this command (a sudoers NOPASSWD rule for systemctl), or run it in an SSH terminal.',
    );
    this.name = 'SudoPasswordRequiredError';
  }
}

/** Bad input rejected before anything reached a server (unit name, host, port). */
export class InvalidInputError extends SshError {
  constructor(message: string) {
    super('INVALID_INPUT', message);
    this.name = 'InvalidInputError';
  }
}
