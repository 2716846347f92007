import * as vscode from 'vscode';
import type { Detection } from '../core';
import { contextKeys, setContext } from '../contextKeys';
import type { Ctx } from '../ctx';
import { log, logFailure } from '../log';
import { VirtualDocuments } from '../preview/virtualDocuments';
import { pickWorkspaceFolder } from './generate/folder';

export const DETECTION_SCHEME = 'cloudward-detection';

/**
 * Optional argument of `cloudward.detect`: `{ folder?: Uri | string, quiet?: boolean }`. With `quiet`
 * no notification is shown (tests, other commands). Resolves to the Detection, or undefined when the
 * user cancelled the folder pick.
 */
export interface DetectArgs {
  folder?: vscode.Uri | string;
  quiet?: boolean;
}

export function registerDetect(ctx: Ctx): void {
  let docs: VirtualDocuments | undefined;
  const details = () => (docs ??= ctx.own(new VirtualDocuments(DETECTION_SCHEME)));
  ctx.command('cloudward.detect', async (args?: DetectArgs | vscode.Uri) => {
    const opts: DetectArgs = args instanceof vscode.Uri ? { folder: args } : (args ?? {});
    const folder = await pickWorkspaceFolder(opts.folder, 'detect the project in');
    if (!folder) return undefined;
    const detection: Detection = await ctx.detectProject(folder.fsPath);
    void setContext(contextKeys.projectDetected, detection.framework !== null);
    log().info(`detect ${folder.fsPath}: ${JSON.stringify(detection)}`);
    if (!opts.quiet) notify(detection, folder, details).catch(logFailure('The detection message'));
    return detection;
  });
}

const FRAMEWORK_NAMES: Record<string, string> = { django: 'Django', flask: 'Flask', fastapi: 'FastAPI', wsgi: 'WSGI', asgi: 'ASGI' };
const DATABASE_NAMES: Record<string, string> = { postgresql: 'PostgreSQL', mysql: 'MySQL', sqlite: 'SQLite' };

/** One line with the essentials, e.g. "Django (WSGI) app mysite.wsgi:application · Python 3.12 · pip · SQLite". */
export function summarize(d: Detection): string {
  const parts = [`${FRAMEWORK_NAMES[d.framework ?? ''] ?? 'Python'} (${d.interface ? d.interface.toUpperCase() : 'interface unknown'}) app ${d.appTarget ?? '(target not found)'}`];
  parts.push(d.pythonVersion ? `Python ${d.pythonVersion}` : 'Python version not pinned');
  if (d.packageManager) parts.push(d.packageManager);
  if (d.database) parts.push(DATABASE_NAMES[d.database] ?? d.database);
  if (d.projectRoot && d.projectRoot !== '.') parts.push(`in ${d.projectRoot}/`);
  return parts.join(' · ');
}

async function notify(d: Detection, folder: vscode.Uri, details: () => VirtualDocuments): Promise<void> {
  const actions = d.framework ? ['Show Details', 'Generate Files…'] : ['Show Details'];
  const choice = d.framework
    ? await vscode.window.showInformationMessage(`Cloudward found a ${summarize(d)}.`, ...actions)
    : await vscode.window.showWarningMessage(
        `Cloudward found no Python web app in ${folder.path.split('/').pop()}${d.notes[0] ? `: ${d.notes[0]}` : '.'}`,
        ...actions,
      );
  if (choice === 'Show Details') {
    const name = d.name ?? folder.path.split('/').pop() ?? 'project';
    const uri = details().set(`Cloudward detection - ${name}.md`, detailsMarkdown(d, folder));
    // The rendered report, not its Markdown source.
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } else if (choice === 'Generate Files…') {
    await vscode.commands.executeCommand('cloudward.generate.all', { folder });
  }
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '*not found*';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.map((x) => `\`${String(x)}\``).join(', ') : '*none*';
  return `\`${String(v).replace(/`/g, "'")}\``;
}

const ROWS: [keyof Detection, string][] = [
  ['framework', 'Framework'],
  ['interface', 'Interface'],
  ['appTarget', 'Application target'],
  ['settingsModule', 'Django settings module'],
  ['projectRoot', 'Project folder'],
  ['pythonPath', 'Import root'],
  ['pythonVersion', 'Python version'],
  ['pythonVersionFile', 'Python version from'],
  ['packageManager', 'Package manager'],
  ['lockFile', 'Lock file'],
  ['requirementsFile', 'Requirements file'],
  ['staticUrl', 'STATIC_URL'],
  ['staticRoot', 'STATIC_ROOT'],
  ['mediaUrl', 'MEDIA_URL'],
  ['mediaRoot', 'MEDIA_ROOT'],
  ['database', 'Database'],
  ['redis', 'Redis'],
  ['celery', 'Celery'],
  ['whitenoise', 'WhiteNoise'],
  ['channels', 'Channels / WebSockets'],
];

/** A read-only report: every field with its value, then the notes that explain each gap. */
export function detailsMarkdown(d: Detection, folder: vscode.Uri): string {
  const lines = [
    `# Cloudward: what was detected in \`${folder.fsPath}\``,
    '',
    summarize(d),
    '',
    '| Field | Value |',
    '| --- | --- |',
    ...ROWS.map(([key, label]) => `| ${label} | ${cell(d[key])} |`),
    '',
    '## Notes',
    '',
    ...(d.notes.length ? d.notes.map((n) => `- ${n}`) : ['- Nothing missing.']),
    '',
    `Values marked *not found* are asked when you generate files (Cloudward: Generate Deployment Files…), never guessed.`,
    '',
    '## Dependencies',
    '',
    cell(d.dependencies),
    '',
    '## As JSON',
    '',
    '```json',
    JSON.stringify(d, null, 2),
    '```',
    '',
  ];
  return lines.join('\n');
}
