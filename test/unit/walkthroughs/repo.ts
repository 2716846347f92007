// Reads the extension's own files for the static walkthrough tests (no VS Code needed).
import * as fs from 'fs';
import * as path from 'path';

/** The checkout: tests run from out/test/unit/walkthroughs. */
export const root = path.resolve(__dirname, '..', '..', '..', '..');

export function read(rel: string): string {
  return fs.readFileSync(path.join(root, rel), 'utf8');
}

export interface Step {
  id: string;
  title: string;
  description: string;
  media: { svg?: string; image?: string; markdown?: string; altText?: string };
  completionEvents?: string[];
  when?: string;
}

export interface Walkthrough {
  id: string;
  title: string;
  description: string;
  featuredFor?: string[];
  when?: string;
  steps: Step[];
}

export interface Manifest {
  contributes: {
    commands: Array<{ command: string }>;
    views: Record<string, Array<{ id: string }>>;
    viewsContainers: Record<string, Array<{ id: string }>>;
    languages: Array<{ id: string }>;
    walkthroughs: Walkthrough[];
    snippets: Array<{ language: string; path: string }>;
  };
}

export function manifest(): Manifest {
  return JSON.parse(read('package.json')) as Manifest;
}

/** Every .ts file under src/, relative paths. */
export function sourceFiles(dir = 'src'): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(rel) : e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** The context keys src/contextKeys.ts defines: property name → key. (Parsed: that file imports vscode.) */
export function definedContextKeys(): Map<string, string> {
  const text = read('src/contextKeys.ts');
  const block = /export const contextKeys = \{([\s\S]*?)\} as const/.exec(text);
  if (!block) throw new Error('src/contextKeys.ts: no `export const contextKeys = { … } as const`');
  return new Map([...block[1].matchAll(/^\s*(\w+):\s*'([\w.]+)'/gm)].map((m) => [m[1], m[2]]));
}

/** Keys something in src/ sets: `setContext(contextKeys.x, …)` or a ProjectFiles fact `key: contextKeys.x`. */
export function contextKeysSetInSource(): Set<string> {
  const defined = definedContextKeys();
  const set = new Set<string>();
  for (const file of sourceFiles()) {
    if (file.endsWith('contextKeys.ts')) continue;
    const text = read(file);
    for (const m of text.matchAll(/setContext\(\s*contextKeys\.(\w+)/g)) set.add(defined.get(m[1]) ?? m[1]);
    for (const m of text.matchAll(/executeCommand\(\s*'setContext',\s*'([\w.]+)'/g)) set.add(m[1]);
    if (file.includes(`walkthroughs${path.sep}projectFiles.ts`)) {
      for (const m of text.matchAll(/key:\s*contextKeys\.(\w+)/g)) set.add(defined.get(m[1]) ?? m[1]);
    }
  }
  return set;
}

/** `command:` links in markdown text: the command id and its decoded arguments (if any). */
export function commandLinks(markdown: string): Array<{ command: string; args?: unknown }> {
  return [...markdown.matchAll(/\]\(command:(?:toSide:)?([\w.-]+)(?:\?([^)\s]+))?\)/g)].map((m) => ({
    command: m[1],
    args: m[2] === undefined ? undefined : JSON.parse(decodeURIComponent(m[2])),
  }));
}
