// The bench's hostile inputs of the security review (issue 12): each once took seconds to hours, each is
// linear now. Every figure runs the production bundle (dist/core.js, dist/ssh.js) on the review's input
// at the review's size (and larger), against a floor measured in the same run on the same bytes
// (reading them, splitting them into lines), with a budget. The unit tests only guard against stalls.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function sections({ figure, time, root, require, RUNS }) {
  const n = Math.max(5, RUNS * 2);
  // Wall times, with the CPU times of the same runs as `.cpu` (the machine may be busy).
  const samples = (fn) => {
    fn();
    const wall = [], cpu = [];
    for (let i = 0; i < n; i++) { const [w, , c] = time(fn); wall.push(w); cpu.push(c); }
    return Object.assign(wall, { cpu });
  };
  const floorOf = (file) => samples(() => readFileSync(file, 'utf8').split('\n').length);
  return {
    hostile: async () => {
      execFileSync(process.execPath, ['esbuild.mjs', '--production', '--quiet'], { cwd: root, stdio: 'inherit' });
      const core = require(join(root, 'dist', 'core.js'));
      const ssh = require(join(root, 'dist', 'ssh.js'));
      const dir = mkdtempSync(join(tmpdir(), 'cloudward-bench-hostile-'));
      try {
        // R-L1: a comment banner before a YAML document (30 '#' took 58 s; +1 '#' doubled it).
        for (const [label, banner] of [['40 #', '#'.repeat(40)], ['10,000 #', '#'.repeat(10_000)], ['2,000 "# "', '# '.repeat(2000)]]) {
          const file = join(dir, 'l1', label.replace(/\W+/g, '_'), 'k8s', 'cm.yaml');
          mkdirSync(join(file, '..'), { recursive: true });
          writeFileSync(file, `${banner}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n`);
          let i = 0;
          const ours = samples(() => core.lintText(file.replace('cm.yaml', `cm${i++}.yaml`), readFileSync(file, 'utf8')));
          figure(`hostile R-L1: YAML banner of ${label}, lint`, 'ms', ours, { baseline: { name: 'read + split', samples: floorOf(file) }, budget: { max: 200, text: '< 200 ms (was 58 s at 30 #)' }, cpu: ours.cpu });
        }
        // R-L2, R-L5, R-L6: detection on a copy of examples/django-polls.
        const project = (name, edit) => {
          const p = join(dir, name);
          cpSync(join(root, 'examples', 'django-polls'), p, { recursive: true });
          edit(p);
          return p;
        };
        const settings = (p) => join(p, 'mysite', 'settings.py');
        const plain = project('plain', () => {});
        const plainDetect = samples(() => core.detectProjectSync(plain));
        // R-L2: a backslash-heavy string that is not a bare literal (n=24 took > 300 s).
        for (const count of [24, 5000]) {
          const p = project(`l2-${count}`, (q) => {
            const s = readFileSync(settings(q), 'utf8').replace(/^STATIC_URL = .*$/m, `STATIC_URL = '${'\\\\d'.repeat(count)}' + ''`);
            writeFileSync(settings(q), s);
          });
          const ours = samples(() => core.detectProjectSync(p));
          figure(`hostile R-L2: settings string of ${count} '\\\\d', detect`, 'ms', ours, { cpu: ours.cpu, baseline: { name: 'detect the unmodified project', samples: plainDetect }, budget: { maxExtra: 50, text: '< 50 ms over the plain project (was > 300 s at 24)' } });
        }
        // R-L5: a 250 KB app.py of 'l:\r' (33 s, quadratic).
        const flask = join(dir, 'l5');
        mkdirSync(flask);
        writeFileSync(join(flask, 'app.py'), 'from flask import Flask\n' + 'l:\r'.repeat(83_000) + '\n');
        figure('hostile R-L5: 250 KB app.py of "l:\\r", detect', 'ms', samples(() => core.detectProjectSync(flask)), { baseline: { name: 'read + split', samples: floorOf(join(flask, 'app.py')) }, budget: { max: 200, text: '< 200 ms (was 33 s)' } });
        // R-L6: 5,000 chained star-imports (overflowed the stack); detection stops at 64 modules.
        const chain = project('l6', (q) => {
          const d = join(q, 'mysite');
          writeFileSync(join(d, 'settings.py'), 'from .s1 import *\n' + readFileSync(join(d, 'settings.py'), 'utf8'));
          for (let i = 1; i < 5000; i++) writeFileSync(join(d, `s${i}.py`), `from .s${i + 1} import *\n`);
          writeFileSync(join(d, 's5000.py'), 'X = 1\n');
        });
        const chainFiles = Array.from({ length: 5000 }, (_, i) => join(chain, 'mysite', `s${i + 1}.py`));
        const readChain = samples(() => chainFiles.reduce((a, f) => a + readFileSync(f, 'utf8').split('\n').length, 0));
        const l6 = samples(() => core.detectProjectSync(chain));
        figure('hostile R-L6: 5,000 chained star-imports, detect', 'ms', l6, { baseline: { name: 'read + split the 5,000 modules', samples: readChain }, budget: { maxRatio: 1, text: 'below reading every module (stops at 64; was a stack overflow)' }, cpu: l6.cpu });
        // R-S5: known_hosts patterns of many '*' (12 took 14.5 s per connection).
        for (const stars of [12, 10_000]) {
          const text = `${'*'.repeat(stars)}x ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeadbeef\n`;
          const host = `[127.0.0.1]:${'2'.repeat(Math.min(stars, 2000))}`;
          const ours = samples(() => ssh.checkHostKey(ssh.parseKnownHosts(text), host, 'ssh-ed25519', 'AAAA'));
          const floor = samples(() => text.split('\n').map((l) => l.split(' ')).length + host.length);
          figure(`hostile R-S5: known_hosts pattern of ${stars} '*', check one host`, 'ms', ours, { baseline: { name: 'split the same line', samples: floor }, budget: { max: 20, text: '< 20 ms (was 14.5 s at 12)' } });
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
