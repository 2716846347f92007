// Everything that reaches a remote shell goes through here: single quotes, with ' written as '\''.
import { InvalidInputError } from './errors';
import { UNIT_NAME_PATTERN } from './types';

/** Quotes one argument for a POSIX shell: the shell sees exactly `s`, whatever it contains. */
export function shQuote(s: string): string {
  if (s.includes('\0')) throw new InvalidInputError('An argument for the server contains a NUL byte.');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Joins quoted arguments into one command line. */
export function shCommand(args: readonly string[]): string {
  return args.map(shQuote).join(' ');
}

export function isValidUnitName(unit: string): boolean {
  return unit.length > 0 && unit.length <= 256 && UNIT_NAME_PATTERN.test(unit) && !unit.startsWith('-');
}

/** Throws a clear error for a unit name outside the allow-list (before anything is sent). */
export function assertUnitName(unit: string): string {
  if (!isValidUnitName(unit)) {
    throw new InvalidInputError(
      `"${unit}" is not a valid systemd unit name: use letters, digits and @ . _ : - only (e.g. gunicorn.service).`,
    );
  }
  return unit;
}

/** True when `s` has whitespace or control characters (never valid in a host, user or alias). */
export function hasSpaceOrControl(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c <= 0x20 || c === 0x7f || /\s/.test(ch)) return true;
  }
  return false;
}
