import * as assert from 'assert';
import * as fc from 'fast-check';
import { allDirectives, effectiveDirectives, parseNginx } from '../../../src/core/lint/parse/nginx';
import { rangeOf } from './helpers';

describe('nginx parser (deploy lint)', () => {
  const site = [
    '# managed by hand',
    'upstream app_server {',
    '    server unix:/run/gunicorn.sock fail_timeout=0;',
    '}',
    'server {',
    '    listen 80;',
    '    server_name example.com "www.example.com";',
    '    location /static/ {',
    "        alias '/srv/app/static files/';",
    '    }',
    '    location / {',
    '        proxy_set_header Host $host;',
    '        proxy_pass http://app_server;  # trailing comment',
    '    }',
    '    include snippets/ssl.conf;',
    '}',
  ].join('\n');

  it('reads blocks, directives and argument ranges', () => {
    const config = parseNginx(site);
    assert.deepStrictEqual(config.directives.map((d) => d.name), ['upstream', 'server']);
    const all = allDirectives(config);
    const alias = all.find((d) => d.name === 'alias')!;
    assert.strictEqual(alias.args[0].value, '/srv/app/static files/');
    assert.strictEqual(alias.args[0].quoted, true);
    assert.deepStrictEqual(alias.args[0].range, rangeOf(site, "'/srv/app/static files/'"));
    const pass = all.find((d) => d.name === 'proxy_pass')!;
    assert.deepStrictEqual(pass.nameRange, rangeOf(site, 'proxy_pass'));
    assert.strictEqual(pass.parent!.name, 'location');
    assert.strictEqual(pass.parent!.parent!.name, 'server');
    const names = all.find((d) => d.name === 'server_name')!;
    assert.deepStrictEqual(names.args.map((a) => a.value), ['example.com', 'www.example.com']);
    assert.deepStrictEqual(config.comments.map((c) => c.text), ['# managed by hand', '# trailing comment']);
    // include is recorded, not followed
    assert.deepStrictEqual(all.find((d) => d.name === 'include')!.args[0].value, 'snippets/ssl.conf');
  });

  it('inherits array directives only into levels that set none', () => {
    const config = parseNginx(site);
    const locations = allDirectives(config).filter((d) => d.name === 'location');
    const isHeader = (d: { name: string }) => d.name === 'proxy_set_header';
    assert.strictEqual(effectiveDirectives(locations[1], isHeader).length, 1);
    assert.strictEqual(effectiveDirectives(locations[0], isHeader).length, 0);
  });

  it('keeps ${var} and # inside words', () => {
    const config = parseNginx('set $a "x";\nreturn 301 https://${host}$request_uri#frag;\n');
    const ret = config.directives[1];
    assert.deepStrictEqual(ret.args.map((a) => a.value), ['301', 'https://${host}$request_uri#frag']);
    assert.strictEqual(config.comments.length, 0);
  });

  it('tolerates unbalanced braces and unterminated quotes', () => {
    const a = parseNginx('server {\n  location / {\n    proxy_pass http://x;\n');
    assert.strictEqual(allDirectives(a).filter((d) => d.name === 'proxy_pass').length, 1);
    const b = parseNginx('}\n}\nserver { listen 80; }\n');
    assert.strictEqual(b.directives[0].name, 'server');
    parseNginx('server { root "/never/closed; }');
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void parseNginx(s)), { numRuns: 500 });
    const pieces = fc.constantFrom('server', ' ', '{', '}', ';', '"', "'", '\\', '#', '\n', 'location', '/', '${', 'proxy_pass');
    fc.assert(fc.property(fc.array(pieces, { maxLength: 100 }), (p) => void parseNginx(p.join(''))), { numRuns: 1000 });
  });

  it('stays linear on deep nesting', () => {
    const start = Date.now();
    parseNginx('a {'.repeat(20000) + '}'.repeat(20000));
    parseNginx('x ' + '"'.repeat(200001));
    assert.ok(Date.now() - start < 2000);
  });
});
