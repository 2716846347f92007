import { registerRule } from '../rule';
import type { FileKind } from '../types';

const ALL_KINDS: FileKind[] = ['procfile', 'dockerfile', 'compose', 'kubernetes', 'systemd', 'nginx', 'gunicorn', 'uwsgi', 'django-settings', 'python-app', 'flask-config', 'shell', 'platform', 'dockerignore'];

// Stale suppressions are found by the engine itself (engine.ts, after the other rules ran): this
// entry gives CW001 its metadata, severity override and docs page like every other rule.
registerRule({
  id: 'CW001',
  severity: 'info',
  kinds: ALL_KINDS,
  silentInDevelopment: false,
  summary: 'A suppression comment that silences nothing (or names an unknown rule)',
  check: () => [],
});
