import { NAME, VERSION } from '../core/version';
import { CliCommand, Exit, Io, UsageError, writeLine } from './command';

/** Subcommands, in the order `--help` lists them. Each lives in its own file under src/cli/. */
const commands: CliCommand[] = [];

export function registerCliCommand(c: CliCommand): void {
  commands.push(c);
}

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 8);
  return [
    `${NAME} ${VERSION}: take a Python web project from runserver to production.`,
    '',
    'Usage: cloudward <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (also: cloudward <command> --help)',
    '  -v, --version  print the version',
    '',
    'Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage error, 3 file exists,',
    '            4 host key not trusted, 5 host unreachable, 6 a file could not be written.',
  ].join('\n');
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    if (first === 'help' && rest[0]) return main([rest[0], '--help'], io);
    writeLine(io.out, help());
    return first === undefined ? Exit.usage : Exit.ok;
  }
  if (first === '-v' || first === '--version') {
    writeLine(io.out, VERSION);
    return Exit.ok;
  }
  const cmd = commands.find((c) => c.name === first);
  if (!cmd) {
    writeLine(io.err, `cloudward: unknown command '${first}'. Commands: ${commands.map((c) => c.name).join(', ')}. See 'cloudward --help'.`);
    return Exit.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    writeLine(io.out, cmd.usage);
    return Exit.ok;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      writeLine(io.err, `cloudward ${cmd.name}: ${e.message}`);
      writeLine(io.err, `See 'cloudward ${cmd.name} --help'.`);
      return Exit.usage;
    }
    throw e;
  }
}
