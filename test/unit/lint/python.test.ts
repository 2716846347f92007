import * as assert from 'assert';
import * as fc from 'fast-check';
import { moduleAssignment, parsePython, stringValue, tokenizePython, type PyNode } from '../../../src/core/lint/parse/python';
import { rangeOf } from './helpers';
import { LineIndex } from '../../../src/core/lint';

describe('Python parser (deploy lint)', () => {
  it('reads module-level assignments with exact value ranges', () => {
    const src = 'import os\nDEBUG = True\nSECRET_KEY: str = "abc" \'def\'\nALLOWED_HOSTS = ["*", "example.com"]\n';
    const mod = parsePython(src);
    const debug = moduleAssignment(mod, 'DEBUG')!;
    assert.deepStrictEqual(debug.value!.range, rangeOf(src, 'True'));
    assert.strictEqual(debug.topLevel, true);
    const key = moduleAssignment(mod, 'SECRET_KEY')!;
    assert.strictEqual(stringValue(key.value), 'abcdef'); // implicit concatenation
    assert.deepStrictEqual(key.value!.range, rangeOf(src, '"abc" \'def\''));
    const hosts = moduleAssignment(mod, 'ALLOWED_HOSTS')!.value!;
    assert.strictEqual(hosts.kind, 'list');
    if (hosts.kind === 'list') assert.deepStrictEqual(hosts.items[0].range, rangeOf(src, '"*"'));
  });

  it('keeps triple-quoted strings, f-strings and comments apart from code', () => {
    const src = [
      '"""Settings.',
      'DEBUG = True  # inside the docstring',
      '"""',
      "NAME = f\"{os.environ['X']}-{{literal}}\"  # DEBUG = True",
      "TEMPLATE = '''a",
      "b'''",
      'DEBUG = False',
    ].join('\n');
    const mod = parsePython(src);
    assert.strictEqual(mod.assignments.filter((a) => a.targets.some((t) => t.kind === 'name' && t.name === 'DEBUG')).length, 1);
    assert.strictEqual(moduleAssignment(mod, 'DEBUG')!.value!.kind, 'const');
    assert.strictEqual(mod.comments.length, 1);
    assert.strictEqual(mod.comments[0].text, '# DEBUG = True');
    const name = moduleAssignment(mod, 'NAME')!.value!;
    assert.ok(name.kind === 'string' && name.fstring);
    assert.strictEqual(stringValue(moduleAssignment(mod, 'TEMPLATE')!.value), 'a\nb');
  });

  it('reads dicts, calls with keyword arguments and subscripts', () => {
    const src = [
      'DATABASES = {',
      "    'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': os.environ.get('DB_PASSWORD', '')},",
      '}',
      'app.config["DEBUG"] = True',
      'app.config.update(DEBUG=True, SECRET_KEY=os.environ["K"])',
    ].join('\n');
    const mod = parsePython(src);
    const dbs = moduleAssignment(mod, 'DATABASES')!.value!;
    assert.strictEqual(dbs.kind, 'dict');
    const sub = mod.assignments.find((a) => a.targets[0].kind === 'subscript')!;
    assert.ok(sub.targets[0].kind === 'subscript' && stringValue(sub.targets[0].index) === 'DEBUG');
    const update = mod.calls.find((c) => c.callee === 'app.config.update')!;
    assert.deepStrictEqual(update.call.args.map((a) => a.name), ['DEBUG', 'SECRET_KEY']);
    assert.deepStrictEqual(update.call.args[0].range, rangeOf(src, 'DEBUG=True'));
    assert.ok(mod.calls.some((c) => c.callee === 'os.environ.get'));
  });

  it('knows which calls sit under if __name__ == "__main__" and in functions', () => {
    const src = [
      'from flask import Flask',
      'app = Flask(__name__)',
      'def create():',
      '    app.run(debug=True)',
      "if __name__ == '__main__':",
      '    app.run(debug=True)',
      'else:',
      '    app.run(port=1)',
      'if "__main__" == __name__: app.run(host="x")',
      'app.run()',
    ].join('\n');
    const runs = parsePython(src).calls.filter((c) => c.callee === 'app.run');
    assert.deepStrictEqual(
      runs.map((r) => [r.call.range.start.line, r.inMainGuard, r.inFunction, r.topLevel]),
      [
        [3, false, true, false],
        [5, true, false, false],
        [7, false, false, false],
        [8, true, false, false],
        [9, false, false, true],
      ],
    );
  });

  it('reads imports, line continuations, semicolons and annotated assignments', () => {
    const src = 'import os, sys as system\nfrom pathlib import Path as P, PurePath\nX = 1 + \\\n    2; Y = [\n  1,\n  2,\n]\nZ: int\n';
    const mod = parsePython(src);
    assert.deepStrictEqual(mod.imports.map((i) => i.module), ['os', 'sys', 'pathlib']);
    assert.deepStrictEqual(mod.imports[2].names, ['Path', 'PurePath']);
    assert.strictEqual(moduleAssignment(mod, 'Y')!.value!.kind, 'list');
    assert.strictEqual(moduleAssignment(mod, 'Z'), undefined); // annotation only: no value
  });

  it('handles CRLF line ends', () => {
    const src = 'import os\r\nDEBUG = True\r\n';
    const mod = parsePython(src);
    assert.deepStrictEqual(moduleAssignment(mod, 'DEBUG')!.value!.range, { start: { line: 1, character: 8 }, end: { line: 1, character: 12 } });
  });

  it('never throws on malformed input', () => {
    for (const src of ['x = "unterminated', "y = '''never closed", 'z = (1, [2, {3', ')]}', 'if:', '= = =', '\\', 'f"{', "f'{x", '\u0000\uffff\ud800', 'a.b.c(', '**', 'lambda']) {
      parsePython(src);
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        parsePython(s);
      }),
      { numRuns: 500 },
    );
    const pieces = fc.constantFrom('DEBUG', ' = ', 'True', '"', "'''", '(', ')', '[', ']', '{', '}', ',', ':', '\n', '    ', '#', 'f"', '\\', 'if __name__ == "__main__":', 'app.run(', 'debug=', '=', '.', 'lambda', 'for', '**');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 80 }), (parts) => {
        parsePython(parts.join(''));
      }),
      { numRuns: 1000 },
    );
  });

  it('a bracket left open does not swallow the statements after it', () => {
    const src = ['INSTALLED_APPS = [', "    'django.contrib.admin',", 'DEBUG = True', 'def f(', '    x=1,', '):', '    return x', 'x = dict(', 'key=1)', ''].join('\n');
    const mod = parsePython(src);
    const names = mod.assignments.filter((a) => a.topLevel).map((a) => (a.targets[0].kind === 'name' ? a.targets[0].name : '?'));
    assert.deepStrictEqual(names, ['INSTALLED_APPS', 'DEBUG', 'x']);
    assert.deepStrictEqual(moduleAssignment(mod, 'DEBUG')!.value!.range, rangeOf(src, 'True'));
    // A keyword argument at column 0 (no spaces around `=`) still continues the call.
    const call = moduleAssignment(mod, 'x')!.value!;
    assert.ok(call.kind === 'call' && call.args[0].name === 'key');
    assert.deepStrictEqual(mod.functions.map((f) => [f.name, f.params.map((p) => p.hasDefault)]), [['f', [true]]]);
  });

  it('counts lines like the engine (\\n and \\r\\n; a lone \\r is blank space)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('X = 1', '\r', '\n', '\r\n', '"""', "'", '#', ' ', '\\', 'f"{', '('), { maxLength: 60 }), (parts) => {
        const src = parts.join('');
        const lines = new LineIndex(src);
        const mod = parsePython(src);
        for (const t of mod.tokens) {
          assert.ok(t.line < lines.lineCount && t.endLine < lines.lineCount);
          assert.strictEqual(lines.offsetAt({ line: t.line, character: t.character }), t.start);
        }
        assert.strictEqual(mod.lineStarts.length, lines.lineCount);
      }),
      { numRuns: 500 },
    );
  });

  it('makes each node\'s range from its offsets: the range covers exactly the node\'s text, in every kind of source', () => {
    const pieces = ['X = 1', 'Y = f(a, b=2, *c, **d)', 'Z = [1, (2, 3), {4: 5, **e}, {6}]', 'W = a.b[c] if not d else -e', '\r', '\n', '\r\n', '"""', "'", '#', ' ', '\\', 'f"{', '(', ')'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const src = parts.join('');
        const lines = new LineIndex(src);
        const mod = parsePython(src);
        const seen: PyNode[] = [];
        const visit = (n: PyNode | undefined): void => {
          if (!n) return;
          seen.push(n);
          if (n.kind === 'call') [n.callee, ...n.args.map((a) => a.value)].forEach(visit);
          if (n.kind === 'attribute' || n.kind === 'subscript') visit(n.object);
          if (n.kind === 'subscript') visit(n.index);
          if (n.kind === 'list' || n.kind === 'tuple' || n.kind === 'set' || n.kind === 'other') (n.kind === 'other' ? n.children : n.items).forEach(visit);
          if (n.kind === 'dict') n.entries.forEach((e) => [e.key, e.value].forEach(visit));
          if (n.kind === 'op') n.parts.forEach(visit);
          if (n.kind === 'starred') visit(n.value);
        };
        for (const a of mod.assignments) [...a.targets, a.value].forEach(visit);
        for (const n of seen) {
          assert.ok(n.start <= n.end && n.end <= src.length);
          assert.strictEqual(lines.offsetAt(n.range.start), n.start);
          assert.strictEqual(lines.offsetAt(n.range.end), n.end);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('ends a string at the end of the text: an f-string field holding a string that ends in a backslash (found by the property above)', () => {
    const src = 'Z = [1]f"{f"{\\';
    const mod = parsePython(src);
    for (const t of mod.tokens) assert.ok(t.start <= t.end && t.end <= src.length, JSON.stringify(t));
  });

  it('stays linear on deep nesting and long lines', () => {
    const deep = 'X = ' + '['.repeat(20000) + ']'.repeat(20000) + '\n' + 'Y = ' + '('.repeat(5000) + '\n';
    const long = 'Z = "' + 'a'.repeat(1_000_000) + '"\n' + 'W = ' + '1 + '.repeat(50000) + '1\n';
    const start = Date.now();
    parsePython(deep);
    parsePython(long);
    assert.ok(Date.now() - start < 2000, 'took too long');
  });

  it('tokenises numbers, operators and names', () => {
    const { tokens } = tokenizePython('x **= 1_000.5e-3j; y //= 0x1F\n');
    assert.deepStrictEqual(
      tokens.filter((t) => t.kind !== 'newline').map((t) => t.text),
      ['x', '**=', '1_000.5e-3j', ';', 'y', '//=', '0x1F'],
    );
  });
});
