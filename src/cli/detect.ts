// `cloudward detect [dir] [--json]`: what Cloudward reads from a project, as a table or one JSON object.
import fs = require('fs');
import path = require('path');
import { detectProject } from '../core/detect';
import type { Detection } from '../core/detect';
import { registerCliCommand } from './main';
import { Exit, UsageError, writeLine } from './command';
import { parseCommandArgs } from './parseError';

const USAGE = `Usage: cloudward detect [dir] [--json]

Reads the project in dir (default: the current folder) without running Python and prints what it found:
framework, WSGI/ASGI application, Django settings, static files, Python version, package manager, database.
Anything not found is shown as "not found" with the reason under Notes.

Options:
  --json      print one JSON object (keys: framework, interface, appTarget, settingsModule, staticUrl,
              staticRoot, pythonVersion, packageManager, database, projectRoot, notes, and more)
  -h, --help  show this help`;

/** The rows of the table, in the order a developer reads them. */
const ROWS: Array<[keyof Detection, string]> = [
  ['framework', 'Framework'],
  ['interface', 'Interface'],
  ['appTarget', 'Application'],
  ['settingsModule', 'Settings module'],
  ['staticUrl', 'STATIC_URL'],
  ['staticRoot', 'STATIC_ROOT'],
  ['mediaUrl', 'MEDIA_URL'],
  ['mediaRoot', 'MEDIA_ROOT'],
  ['pythonVersion', 'Python'],
  ['packageManager', 'Package manager'],
  ['lockFile', 'Lock file'],
  ['requirementsFile', 'Requirements'],
  ['database', 'Database'],
  ['redis', 'Redis'],
  ['celery', 'Celery'],
  ['whitenoise', 'WhiteNoise'],
  ['channels', 'WebSockets/channels'],
  ['projectRoot', 'Project folder'],
  ['pythonPath', 'Import root'],
  ['name', 'App name'],
];

export function formatDetection(d: Detection): string {
  const width = Math.max(...ROWS.map(([, label]) => label.length));
  const show = (v: unknown) => (v === null ? 'not found' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
  const lines = ROWS.map(([key, label]) => {
    let v = show(d[key]);
    if (key === 'pythonVersion' && d.pythonVersionFile) v += ` (${d.pythonVersionFile})`;
    return `${label.padEnd(width)}  ${v}`;
  });
  if (d.notes.length) lines.push('', 'Notes:', ...d.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
}

registerCliCommand({
  name: 'detect',
  summary: 'show what Cloudward detects in a Python web project',
  usage: USAGE,
  async run(argv, io) {
    const parsed = parseCommandArgs('detect', argv, { json: { type: 'boolean' } });
    if (parsed.positionals.length > 1) throw new UsageError(`expected one folder, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
    const dir = path.resolve(io.cwd, parsed.positionals[0] ?? '.');
    if (!fs.existsSync(dir)) throw new UsageError(`no such folder: ${dir}`);
    if (!fs.statSync(dir).isDirectory()) throw new UsageError(`${dir} is a file, not a folder: give the project's folder`);
    const d = await detectProject(dir);
    writeLine(io.out, parsed.values.json ? JSON.stringify(d, null, 2) : formatDetection(d));
    return Exit.ok;
  },
});
