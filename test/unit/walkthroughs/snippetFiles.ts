// The contributed snippets, expanded with their defaults, and where each would live in a project.
import { expandSnippet } from './expandSnippet';
import { manifest, read } from './repo';

export interface Snippet {
  prefix: string | string[];
  body: string | string[];
  description?: string;
}

/** Where a snippet's text would live in a project, so that the linter treats it as that kind of file. */
export function fileFor(language: string, name: string): string {
  switch (language) {
    case 'procfile':
      return 'Procfile';
    case 'python':
      return /gunicorn/i.test(name) ? 'gunicorn.conf.py' : 'mysite/settings.py';
    case 'nginx':
      return 'deploy/nginx/mysite.conf';
    case 'systemd-unit':
      return /socket/i.test(name) ? 'deploy/systemd/mysite.socket' : 'deploy/systemd/mysite.service';
    case 'dockerfile':
      return 'Dockerfile';
    case 'yaml':
      return 'deploy/k8s/mysite.yaml';
    default:
      throw new Error(`no file name for snippets of language ${language}`);
  }
}

/** Every contributed snippet, expanded with its defaults. */
export function expandedSnippets(): Array<{ language: string; name: string; file: string; text: string }> {
  return manifest().contributes.snippets.flatMap(({ language, path }) => {
    const snippets = JSON.parse(read(path)) as Record<string, Snippet>;
    return Object.entries(snippets).map(([name, s]) => ({ language, name, file: fileFor(language, name), text: expandSnippet(s.body) + '\n' }));
  });
}

