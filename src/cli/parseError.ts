// Node's parseArgs errors speak to programmers ("To specify a positional argument starting with a '-'…"):
// say what was wrong in the user's words, as a usage error (exit 2).
import { parseArgs } from 'node:util';
import { UsageError } from './command';

export function usageErrorFromParse(e: unknown, command: string): UsageError {
  const err = e as { code?: string; message?: string };
  const message = String(err?.message ?? e);
  const option = /'(-[^' <]*)/.exec(message)?.[1];
  switch (err?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(option ? `unknown option ${option}` : 'unknown option');
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(/argument missing/.test(message)
        ? `${option} needs a value, e.g. ${option === '--set' ? '--set domain=example.com' : `${option} <value>`}`
        : `${option} takes no value`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument for cloudward ${command}`);
    default:
      return new UsageError(message);
  }
}

type Options = NonNullable<import('node:util').ParseArgsConfig['options']>;

/**
 * Node's parseArgs with every command's settings (positionals allowed, unknown options refused), its errors
 * turned into usage errors in the user's words.
 */
export function parseCommandArgs<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageErrorFromParse(e, command);
  }
}
