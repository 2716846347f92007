// CW607: SQLite on a disk that does not last. A platform (Heroku, Render, Cloud Run, Fly.io without a volume)
// builds a fresh filesystem for every deploy and restart, and runs the release phase in a one-off machine:
// `migrate` writes a database file the web process never sees ("no such table"), and whatever the site
// writes is gone at the next restart. The fix reads the database from DATABASE_URL (dj-database-url), with
// the same SQLite file as the default for the developer's machine.

import type { LintFile } from '../file';
import { registerRule } from '../rule';
import { importEdit, moduleAssignment, offsetOf, pythonModuleOf, stringValue, type PythonModule } from '../parse/python';
import { dictGet } from './cw2xx';

/** Platform files whose targets give the app a throwaway disk (Procfile platforms, fly.toml, render.yaml, app.json). */
function ephemeralTargets(files: Iterable<LintFile>): LintFile[] {
  // fly.toml with [mounts] keeps a volume: SQLite may live there.
  return [...files].filter((f) => !(/fly\.toml$/i.test(f.path) && /^\s*\[\[?mounts\]?\]/m.test(f.text)));
}

function sqliteDefault(mod: PythonModule) {
  const dbs = moduleAssignment(mod, 'DATABASES');
  const def = dictGet(dbs?.value, 'default');
  const engine = dictGet(def, 'ENGINE');
  if (!dbs || !def || def.kind !== 'dict' || stringValue(engine) !== 'django.db.backends.sqlite3') return undefined;
  return { dbs, def, engine: engine!, name: dictGet(def, 'NAME') };
}

registerRule({
  id: 'CW607',
  severity: 'error',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  crossFile: true,
  summary: 'SQLite on a platform whose disk is thrown away at each deploy and restart',
  check(file, ctx) {
    const targets = ephemeralTargets([...ctx.workspace.files('procfile'), ...ctx.workspace.files('platform')]);
    if (!targets.length) return [];
    const mod = file.parse(pythonModuleOf);
    const db = sqliteDefault(mod);
    if (!db) return [];
    const nameText = db.name ? mod.text.slice(offsetOf(mod, db.name.range.start), offsetOf(mod, db.name.range.end)) : '"db.sqlite3"';
    const replacement = `dj_database_url.config(default="sqlite:///" + str(${nameText}), conn_max_age=600)`;
    const names = [...new Set(targets.map((f) => f.path.split(/[\\/]/).pop()))].join(', ');
    return [
      {
        message: 'SQLite on a platform: the database is lost at every deploy',
        range: db.engine.range,
        hint:
          `${names} deploy${targets.length === 1 ? 's' : ''} to a platform whose disk is rebuilt at each deploy and restart: the release phase migrates a copy the web process never sees, ` +
          'and every write is lost. Read the database from DATABASE_URL (set by the platform\'s PostgreSQL add-on) with dj-database-url; add `dj-database-url` and `psycopg[binary]` to your requirements. ' +
          'On your machine the default keeps using the SQLite file.',
        fix: {
          title: 'Read the database from DATABASE_URL (dj-database-url, SQLite by default)',
          edits: [{ file: file.path, edits: [{ range: db.def.range, newText: replacement }, importEdit(mod, 'dj_database_url')].filter((e): e is NonNullable<typeof e> => !!e) }],
        },
        related: targets.slice(0, 3).map((f) => ({ file: f.path, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: 'deploys to a platform with a throwaway disk' })),
      },
    ];
  },
});
