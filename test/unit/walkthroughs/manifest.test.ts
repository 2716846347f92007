import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { detectProjectSync } from '../../../src/core/detect';
import { buildPlan } from '../../../src/core/plan';
import { commandLinks, contextKeysSetInSource, definedContextKeys, manifest, read, root } from './repo';

// Workbench commands a step may link to besides our own.
const WORKBENCH_COMMANDS = new Set(['workbench.view.extension.cloudward', 'workbench.action.openWalkthrough']);
// The short names cloudward.openWalkthrough accepts (src/commands/basics.ts).
const WALKTHROUGH_NAMES = new Set(['localhostToCloud', 'paasOrIaas']);

const m = manifest();
const walkthroughs = m.contributes.walkthroughs;
const steps = walkthroughs.flatMap((w) => w.steps.map((s) => ({ w, s })));
const contributed = new Set(m.contributes.commands.map((c) => c.command));
const views = new Set(Object.values(m.contributes.views).flat().map((v) => v.id));
const markdownPages = [...new Set(steps.map(({ s }) => s.media.markdown).filter((p): p is string => !!p))];
const svgs = [...new Set(steps.map(({ s }) => s.media.svg).filter((p): p is string => !!p))];

/**
 * Evaluates the `when` clauses this manifest uses: `key == 'value'`, a bare key, joined by `||` (no `&&`
 * needed so far); anything else fails the test rather than being guessed.
 */
function visible(when: string | undefined, ctx: Record<string, string | boolean>): boolean {
  if (!when) return true;
  return when.split('||').some((alt) => {
    const t = alt.trim();
    const eq = /^([\w.]+) == '([^']*)'$/.exec(t);
    if (eq) return ctx[eq[1]] === eq[2];
    if (/^[\w.]+$/.test(t)) return !!ctx[t];
    throw new Error(`when clause not understood by the test: ${when}`);
  });
}

describe('walkthroughs: the chosen path decides the steps (when clauses)', () => {
  const first = walkthroughs[0];
  const ids = (ctx: Record<string, string | boolean>) => first.steps.filter((s) => visible(s.when, ctx)).map((s) => s.id);
  const shared = ['devServer', 'findApp', 'settings', 'choose'];
  const end = ['operate', 'verify'];

  it('before a choice: runserver, the application, settings for production, then the choice; no server file yet', () => {
    assert.deepStrictEqual(ids({ 'cloudward.deployPath': '', 'cloudward.deployPathChosen': false }), shared);
  });

  it('settings come before any step that generates a server or platform file', () => {
    const order = first.steps.map((s) => s.id);
    for (const later of ['appServer', 'webServer', 'keepRunning', 'paasFiles', 'containerFiles', 'kubernetes']) {
      assert.ok(order.indexOf('settings') < order.indexOf(later), `${later} before settings`);
      assert.ok(order.indexOf('choose') < order.indexOf(later), `${later} before the choice`);
    }
  });

  const paths: Record<string, string[]> = {
    vps: ['appServer', 'webServer', 'keepRunning', 'vpsServer', 'vpsProvision', 'vpsDeploy', 'watchServer'],
    paas: ['paasFiles', 'paasSettings', 'paasDeploy'],
    container: ['paasSettings', 'containerFiles', 'containerDeploy'],
    kubernetes: ['kubernetes', 'kubernetesDeploy'],
  };
  for (const [path, own] of Object.entries(paths)) {
    it(`${path}: the shared steps, exactly this path's own steps, then operate and verify`, () => {
      const shown = ids({ 'cloudward.deployPath': path, 'cloudward.deployPathChosen': true });
      assert.deepStrictEqual(shown.slice(0, shared.length), shared);
      assert.deepStrictEqual(shown.slice(-end.length), end);
      assert.deepStrictEqual([...shown.slice(shared.length, -end.length)].sort(), [...own].sort());
      // And no other path's steps.
      for (const [other, steps] of Object.entries(paths)) if (other !== path) for (const s of steps) if (!own.includes(s)) assert.ok(!shown.includes(s), `${path} shows ${other}'s ${s}`);
    });
  }

  it('every path ends with its deploy action and the live-site check', () => {
    const verify = first.steps.find((s) => s.id === 'verify')!;
    assert.match(verify.description, /command:cloudward\.verifySite/);
    assert.deepStrictEqual(verify.completionEvents, ['onContext:cloudward.siteVerified']);
    for (const id of ['paasDeploy', 'containerDeploy', 'kubernetesDeploy']) {
      assert.match(first.steps.find((s) => s.id === id)!.description, /command:cloudward\.platform\.openDeployTerminal\)$/, id);
    }
    // The VPS path runs the editor's own commands over SSH, provision then deploy, each ticked by its own success.
    const vps = (id: string) => first.steps.find((s) => s.id === id)!;
    assert.match(vps('vpsProvision').description, /\n\[Provision Server…\]\(command:cloudward\.provisionServer\)$/);
    assert.deepStrictEqual(vps('vpsProvision').completionEvents, ['onContext:cloudward.serverProvisioned']);
    assert.match(vps('vpsDeploy').description, /\n\[Deploy to Server…\]\(command:cloudward\.deployToServer\)$/);
    assert.deepStrictEqual(vps('vpsDeploy').completionEvents, ['onContext:cloudward.releaseDeployed']);
    // HTTPS in order: DNS, the HTTP site, the certificate, the HTTPS site.
    const text = vps('vpsDeploy').description;
    const at = ['DNS', 'HTTP site', 'certificate', 'HTTPS site'].map((w) => text.indexOf(w));
    assert.ok(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1])), `HTTPS order: ${at.join(', ')}`);
  });

  it('no step completes on a stray file or an SSH config host', () => {
    for (const s of first.steps.concat(walkthroughs[1].steps)) {
      for (const e of s.completionEvents ?? []) {
        assert.doesNotMatch(e, /cloudward\.hasServers|cloudward\.hasProcfile|cloudward\.hasSystemdUnits(?! *$)|cloudward\.hasDockerfile/, `${s.id}: ${e}`);
      }
    }
  });
});

describe('walkthroughs: manifest', () => {
  it('contributes both walkthroughs, the first featured for Python web projects', () => {
    assert.deepStrictEqual(walkthroughs.map((w) => w.id), ['cloudward.localhostToCloud', 'cloudward.paasOrIaas']);
    const first = walkthroughs[0];
    for (const f of ['manage.py', 'requirements.txt', 'pyproject.toml']) assert.ok(first.featuredFor?.includes(f), `featuredFor lacks ${f}`);
    // Shown at once: the shared steps plus one path's; before a choice, only the steps up to the choice.
    for (const path of ['vps', 'paas', 'container', 'kubernetes']) {
      const shown = first.steps.filter((s) => visible(s.when, { 'cloudward.deployPath': path, 'cloudward.deployPathChosen': true }));
      // The VPS path is the longest (13: provision and deploy are two actions); beyond that, split the walkthrough.
      assert.ok(shown.length >= 6 && shown.length <= 13, `${path}: ${shown.length} steps`);
    }
    for (const w of walkthroughs) assert.strictEqual(new Set(w.steps.map((s) => s.id)).size, w.steps.length, `${w.id}: duplicate step ids`);
  });

  it('gives every step a media file that exists, and alt text to every image', () => {
    for (const { w, s } of steps) {
      const file = s.media.svg ?? s.media.markdown ?? (typeof s.media.image === 'string' ? s.media.image : undefined);
      assert.ok(file, `${w.id}/${s.id}: no media`);
      assert.ok(fs.existsSync(path.join(root, file)), `${w.id}/${s.id}: ${file} does not exist`);
      if (s.media.svg || s.media.image) assert.ok((s.media.altText ?? '').length > 40, `${w.id}/${s.id}: alt text missing or too short`);
    }
  });

  it('gives every step exactly one action button: a command link on its own line', () => {
    for (const { w, s } of steps) {
      const buttons = s.description.split('\n').filter((line) => /^\[[^\]]+\]\(command:[^)]+\)$/.test(line.trim()));
      assert.strictEqual(buttons.length, 1, `${w.id}/${s.id}: ${buttons.length} buttons`);
    }
  });

  it('links only to commands the extension contributes (or allowed workbench commands), with valid arguments', () => {
    const sources = [
      ...steps.map(({ w, s }) => ({ where: `${w.id}/${s.id}`, text: s.description })),
      ...markdownPages.map((p) => ({ where: p, text: read(p) })),
    ];
    let links = 0;
    for (const { where, text } of sources) {
      for (const link of commandLinks(text)) {
        links++;
        assert.ok(contributed.has(link.command) || WORKBENCH_COMMANDS.has(link.command), `${where}: command:${link.command} is not contributed`);
        if (link.command === 'cloudward.openWalkthrough' && link.args !== undefined) {
          assert.ok(Array.isArray(link.args) && WALKTHROUGH_NAMES.has(String(link.args[0])), `${where}: bad walkthrough argument ${JSON.stringify(link.args)}`);
        }
      }
    }
    assert.ok(links >= steps.length, 'found fewer command links than steps: is the link pattern right?');
  });

  it('completes every step on an event the extension can actually raise', () => {
    const defined = new Set(definedContextKeys().values());
    const setInSource = contextKeysSetInSource();
    for (const { w, s } of steps) {
      const events = s.completionEvents ?? [];
      assert.ok(events.length > 0, `${w.id}/${s.id}: no completion events (it would complete on any click)`);
      for (const event of events) {
        const [kind, ...rest] = event.split(':');
        const arg = rest.join(':');
        if (kind === 'onContext') {
          const keys = arg.match(/[A-Za-z_][\w.]*/g) ?? [];
          assert.ok(keys.length > 0, `${w.id}/${s.id}: empty onContext`);
          for (const key of keys) {
            assert.ok(defined.has(key), `${w.id}/${s.id}: ${key} is not defined in src/contextKeys.ts`);
            assert.ok(setInSource.has(key), `${w.id}/${s.id}: nothing in src/ sets ${key}`);
          }
        } else if (kind === 'onView') {
          assert.ok(views.has(arg), `${w.id}/${s.id}: view ${arg} is not contributed`);
        } else if (kind === 'onCommand') {
          assert.ok(contributed.has(arg), `${w.id}/${s.id}: command ${arg} is not contributed`);
        } else {
          assert.fail(`${w.id}/${s.id}: unexpected completion event ${event}`);
        }
      }
    }
  });

  it('contributes a snippet file per format we generate, for declared languages', () => {
    const snippets = m.contributes.snippets;
    assert.deepStrictEqual(snippets.map((s) => s.language).sort(), ['dockerfile', 'nginx', 'procfile', 'python', 'systemd-unit', 'yaml']);
    const declared = new Set(m.contributes.languages.map((l) => l.id));
    for (const own of ['procfile', 'nginx', 'systemd-unit']) assert.ok(declared.has(own), `language ${own} is not declared`);
    for (const s of snippets) assert.ok(fs.existsSync(path.join(root, s.path)), `${s.path} does not exist`);
  });
});

describe('walkthroughs: diagrams', () => {
  for (const file of svgs) {
    describe(file, () => {
      const text = read(file);
      it('has a title and a description for screen readers', () => {
        assert.match(text, /<svg[^>]*role="img"[^>]*aria-labelledby="[^"]+"/);
        assert.match(text, /<title id="[^"]+">[^<]{10,}<\/title>/);
        assert.match(text, /<desc id="[^"]+">[^<]{40,}<\/desc>/);
      });
      it('takes every colour from the VS Code theme (with a fallback), so it follows light, dark and high contrast', () => {
        const colours = [
          ...[...text.matchAll(/\s(fill|stroke|stop-color)="([^"]+)"/g)].map((x) => x[2].trim()),
        ];
        assert.ok(colours.length > 5, 'no colours found: is the pattern right?');
        for (const c of colours) {
          assert.ok(c === 'none' || /^var\(--vscode-[\w-]+\s*,\s*(?:#[0-9a-f]{3,8}|var\(--vscode-[\w-]+\s*,\s*#[0-9a-f]{3,8}\)|rgba\([\d\s.,]+\))\)$/i.test(c), `${file}: colour '${c}' is not a theme variable with a fallback`);
        }
      });
      it('styles with presentation attributes only: the walkthrough webview\'s CSP drops <style> and style=""', () => {
        assert.doesNotMatch(text, /<style[\s>]/);
        assert.doesNotMatch(text, /\sstyle="/);
        assert.doesNotMatch(text, /\sclass="/, 'classes without a stylesheet style nothing');
      });
      it('keeps its ids to itself (one prefix), since the page may hold other SVGs', () => {
        const ids = [...text.matchAll(/\sid="([^"]+)"/g)].map((x) => x[1]);
        const prefixes = new Set(ids.map((id) => id.split('-')[0]));
        assert.strictEqual(prefixes.size, 1, `ids with several prefixes: ${[...prefixes].join(', ')}`);
        for (const ref of text.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(ref[1]), `url(#${ref[1]}) refers to no id`);
      });
    });
  }
});

describe('command titles', () => {
  it('are in one casing style, Title Case (tool names keep their own spelling), and the walkthrough buttons say the same', () => {
    const small = new Set(['a', 'an', 'and', 'as', 'at', 'for', 'from', 'in', 'of', 'on', 'or', 'the', 'to', 'with']);
    const asWritten = new Set(['gunicorn', 'uWSGI', 'nginx', 'systemd', 'fly.toml', 'render.yaml', 'app.json', '.env']);
    const titles = new Map(m.contributes.commands.map((c) => [c.command, (c as { title?: string }).title ?? '']));
    for (const [id, title] of titles) {
      for (const [i, word] of title.replace(/…$/, '').split(' ').entries()) {
        if (asWritten.has(word) || (i > 0 && small.has(word))) continue;
        assert.match(word, /^[A-Z]/, `${id}: "${title}" (word "${word}")`);
      }
    }
    // A step's button that runs a command carries the command's own title.
    for (const { s } of steps) {
      for (const m2 of s.description.matchAll(/\[([^\]]+)\]\(command:(cloudward\.generate\.[A-Za-z]+)\)/g)) {
        if (m2[1].startsWith('Generate')) assert.strictEqual(m2[1], titles.get(m2[2]), `${s.id}: button "${m2[1]}"`);
      }
    }
  });
});

describe('the socket path', () => {
  it('is the one the generators write, in the request-flow diagram, the snippets and the walkthrough pages', () => {
    const socket = buildPlan(detectProjectSync(path.join(root, 'examples/django-polls')), {}).socket;
    assert.strictEqual(socket, '/run/mysite/mysite.sock');
    const files = [
      'walkthroughs/media/request-flow.svg',
      ...fs.readdirSync(path.join(root, 'snippets')).map((f) => `snippets/${f}`),
      ...fs.readdirSync(path.join(root, 'walkthroughs/pages')).map((f) => `walkthroughs/pages/${f}`),
    ];
    let seen = 0;
    for (const f of files) {
      // Snippet placeholders written out with their defaults: ${1:mysite} → mysite.
      const text = read(f).replace(/\$\{\d+:([^{}]*)\}/g, '$1').replace(/\$\{\d+:([^{}]*)\}/g, '$1');
      for (const m2 of text.matchAll(/\/run\/[A-Za-z0-9_./-]*\.sock\b/g)) {
        seen++;
        assert.strictEqual(m2[0], socket, `${f}: ${m2[0]}`);
      }
    }
    assert.ok(seen >= 4, `socket paths found: ${seen}`);
  });
});

describe('walkthrough tables', () => {
  it('fit the side column: at most 3 columns, and no unbreakable word wider than the column', () => {
    let tables = 0;
    for (const f of fs.readdirSync(path.join(root, 'walkthroughs/pages'))) {
      for (const line of read(`walkthroughs/pages/${f}`).split('\n')) {
        if (!line.startsWith('|')) continue;
        tables++;
        const cells = line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
        assert.ok(cells.length <= 3, `${f}: ${cells.length} columns in "${line}"`);
        for (const c of cells) {
          for (const word of c.replace(/[*`]/g, '').split(/\s+/)) assert.ok(word.length <= 34, `${f}: "${word}" cannot wrap`);
        }
      }
    }
    assert.ok(tables > 0);
  });
});
