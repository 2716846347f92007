// CW506: an `add_header` in an inner level (location, if, nested location, server) silently drops every
// add_header of the enclosing levels: nginx inherits add_header only into a level that has none of its own
// (gixy add_header_redefinition). The usual victim is a Strict-Transport-Security header set on the server
// and lost in the static location that adds Cache-Control.

import type { Fix, RelatedInformation, TextEdit } from '../types';
import type { LintFile } from '../file';
import { registerRule, type RuleFinding } from '../rule';
import { allDirectives, nginxConfigOf, type NginxDirective } from '../parse/nginx';

/** Headers whose loss weakens the site's security: a lost one makes the finding a warning. */
const SECURITY_HEADERS = new Set([
  'strict-transport-security',
  'content-security-policy',
  'x-frame-options',
  'x-content-type-options',
  'referrer-policy',
  'permissions-policy',
  'cross-origin-opener-policy',
  'cross-origin-embedder-policy',
  'cross-origin-resource-policy',
]);

/** Included files known to hold no add_header (parameter lists, MIME types, TLS options). */
const HEADERLESS_INCLUDE = /(?:^|[/_.-])params$|^mime\.types$|^fastcgi\.conf$|^options-ssl-nginx\.conf$/;

/**
 * A configuration level add_header is inherited into. `owner` undefined: the file's top level (the http
 * context of a site or conf.d file).
 */
interface Level {
  owner?: NginxDirective;
  list: NginxDirective[];
}

type Inherit = 'on' | 'off' | 'merge';

/** Whether add_header may appear directly in this block (`if` only inside a location). */
function isLevel(d: NginxDirective): boolean {
  if (!d.block) return false;
  if (d.name === 'http' || d.name === 'server' || d.name === 'location') return d.parent?.name !== 'upstream';
  if (d.name === 'if') {
    for (let p = d.parent; p; p = p.parent) if (p.name === 'location') return true;
  }
  return false;
}

function parentLevel(level: Level, root: NginxDirective[]): Level | undefined {
  if (!level.owner) return undefined;
  for (let p = level.owner.parent; p; p = p.parent) if (isLevel(p)) return { owner: p, list: p.block! };
  return { list: root };
}

function headerName(d: NginxDirective): string {
  return (d.args[0]?.value ?? '').toLowerCase();
}

/** An include whose contents we cannot see and that may hold add_header lines. */
function opaqueInclude(d: NginxDirective): boolean {
  if (d.name !== 'include') return false;
  const target = d.args[0]?.value ?? '';
  return !HEADERLESS_INCLUDE.test(target.slice(target.lastIndexOf('/') + 1));
}

/** Inheritance of add_header across the levels of one file, each level computed once. */
class Inheritance {
  private readonly modes = new Map<NginxDirective | undefined, Inherit>();
  private readonly headers = new Map<NginxDirective | undefined, NginxDirective[]>();

  constructor(private readonly root: NginxDirective[]) {}

  parent(level: Level): Level | undefined {
    return parentLevel(level, this.root);
  }

  /** `add_header_inherit` in effect at a level: its own, else the enclosing level's (it is inherited itself). */
  mode(level: Level): Inherit {
    const known = this.modes.get(level.owner);
    if (known) return known;
    const own = level.list.filter((d) => d.name === 'add_header_inherit');
    const v = own[own.length - 1]?.args[0]?.value.toLowerCase();
    const parent = this.parent(level);
    const mode: Inherit = v === 'on' || v === 'off' || v === 'merge' ? v : parent ? this.mode(parent) : 'on';
    this.modes.set(level.owner, mode);
    return mode;
  }

  private readonly includes = new Map<NginxDirective | undefined, NginxDirective | undefined>();

  /** The first include of a level (`owner` undefined: the top level) that may hold add_header lines. */
  hiddenInclude(owner: NginxDirective | undefined): NginxDirective | undefined {
    if (!this.includes.has(owner)) this.includes.set(owner, (owner ? owner.block ?? [] : this.root).find(opaqueInclude));
    return this.includes.get(owner);
  }

  /** The add_header directives that apply at a level, after nginx's inheritance. */
  effective(level: Level): NginxDirective[] {
    const known = this.headers.get(level.owner);
    if (known) return known;
    const own = level.list.filter((d) => d.name === 'add_header');
    const parent = this.parent(level);
    const inherited = parent ? this.effective(parent) : [];
    const mode = this.mode(level);
    const out = own.length === 0 ? (mode === 'off' ? [] : inherited) : mode === 'merge' ? [...inherited, ...own] : own;
    this.headers.set(level.owner, out);
    return out;
  }
}

/** How a message names a level: `server`, `location /static/`, `if ($request_method = GET)`. */
function levelName(owner: NginxDirective | undefined): string {
  // A file's top level holding add_header is an http-context file (conf.d/*.conf, a site file).
  if (!owner) return 'the http level';
  if (owner.name === 'location') return `location ${owner.args.map((a) => a.value).join(' ')}`;
  if (owner.name === 'if') return `if (${owner.args.map((a) => a.value).join(' ').replace(/^\(|\)$/g, '')})`;
  return owner.name;
}

function listNames(names: string[]): string {
  if (names.length <= 2) return names.join(' and ');
  return `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

/** The fix: the lost add_header lines, copied before the level's first add_header (same indentation). */
function repeatHeadersFix(file: LintFile, first: NginxDirective, lost: NginxDirective[], outer: string): Fix {
  const texts = lost.map((d) => {
    const text = file.text.slice(file.lines.offsetAt(d.range.start), file.lines.offsetAt(d.range.end));
    return text.endsWith(';') ? text : text + ';';
  });
  const start = first.nameRange.start;
  const before = file.lines.line(start.line).slice(0, start.character);
  let edit: TextEdit;
  if (/^[ \t]*$/.test(before)) {
    const at = { line: start.line, character: 0 };
    edit = { range: { start: at, end: at }, newText: texts.map((t) => before + t + '\n').join('') };
  } else {
    // `location /x { add_header A b; }` on one line: insert in front of it, on that line.
    edit = { range: { start, end: start }, newText: texts.map((t) => t + ' ').join('') };
  }
  return { title: `Repeat the add_header ${lost.length === 1 ? 'line' : 'lines'} of ${outer} here`, edits: [{ file: file.path, edits: [edit] }] };
}

registerRule({
  id: 'CW506',
  severity: 'warning',
  kinds: ['nginx'],
  silentInDevelopment: false,
  summary: 'add_header in a location (or if, nested level) drops the add_header lines of the enclosing level',
  check(file) {
    const config = file.parse(nginxConfigOf);
    const root = config.directives;
    const inheritance = new Inheritance(root);
    const out: RuleFinding[] = [];
    for (const owner of allDirectives(config).filter(isLevel)) {
      const level: Level = { owner, list: owner.block! };
      const own = level.list.filter((d) => d.name === 'add_header');
      if (!own.length) continue;
      // An include we cannot read may repeat the outer headers: say nothing rather than guess.
      if (level.list.some(opaqueInclude)) continue;
      if (inheritance.mode(level) !== 'on') continue;
      const parent = inheritance.parent(level)!;
      const repeated = new Set(own.map(headerName));
      // An outer `add_header X "";` sends nothing: losing it loses nothing.
      const lost = inheritance.effective(parent).filter((d) => d.args.length >= 2 && d.args[1].value !== '' && !repeated.has(headerName(d)));
      if (!lost.length) continue;
      // Security headers first: they are what the message must not hide behind "and 3 more".
      const names = [...new Map(lost.map((d) => [headerName(d), d.args[0].value])).values()].sort(
        (a, b) => Number(SECURITY_HEADERS.has(b.toLowerCase())) - Number(SECURITY_HEADERS.has(a.toLowerCase())),
      );
      const owners = new Set(lost.map((d) => d.parent));
      const outer = owners.size === 1 ? levelName(lost[0].parent) : 'the enclosing levels';
      const here = levelName(owner);
      const security = names.some((n) => SECURITY_HEADERS.has(n.toLowerCase()));
      const related: RelatedInformation[] = lost.map((d) => ({
        file: file.path,
        range: d.range,
        message: `${d.args[0].value} (${levelName(d.parent)}) is not sent from ${here}`,
      }));
      // The outer level may hold more headers than we see, through an include we cannot read (its loss is
      // then likely worse than the names above): say so.
      const hidden = [...owners].map((o) => inheritance.hiddenInclude(o)).find((d) => d);
      const alsoHidden = hidden ? ` It also drops any add_header that \`include ${hidden.args[0]?.value ?? ''}\` sets in ${outer}.` : '';
      out.push({
        severity: security ? 'warning' : 'info',
        message: `add_header here drops ${listNames(names)}, set in ${outer}`,
        range: own[0].nameRange,
        hint:
          `nginx inherits add_header only into a level that sets none: responses from ${here} carry its own headers but not ${names.join(', ')}. ` +
          'Repeat the outer add_header lines here (an include shared by both levels keeps them in step), or on nginx 1.29.3 or newer add `add_header_inherit merge;`.' +
          alsoHidden,
        related,
        fix: repeatHeadersFix(file, own[0], lost, outer),
      });
    }
    return out;
  },
});
