// The decision aid's recommendation for the project shapes users bring, and the commands of each path.
import * as assert from 'assert';
import * as path from 'path';
import { detectProjectSync } from '../../../src/core/detect';
import { buildPlan } from '../../../src/core/plan';
import { factsFromDetection, platformGuide, recommendPaths, DEPLOY_PATHS, PLATFORMS, type ChoiceAnswers, type ProjectFacts } from '../../../src/core/paths';

const repo = path.resolve(__dirname, '../../../..');
const base: ProjectFacts = { framework: 'django', database: 'postgresql', media: false, celery: false, websockets: false, whitenoise: true };
const answers: ChoiceAnswers = { traffic: 'hobby', budget: 'moderate', upkeep: 'some' };
const first = (f: Partial<ProjectFacts>, a: Partial<ChoiceAnswers> = {}) => recommendPaths({ ...base, ...f }, { ...answers, ...a })[0];

describe('decision aid: where should this project run?', () => {
  it('1. a small SQLite blog with uploads, someone to look after a server: a VPS (SQLite and uploads keep their disk)', () => {
    const r = first({ database: 'sqlite', media: true, whitenoise: false });
    assert.strictEqual(r.path, 'vps');
    assert.ok(r.reasons.some((x) => /SQLite keeps working/.test(x)));
  });

  it('2. PostgreSQL, nobody to look after a server: a platform (Heroku), with the VPS ruled out for that reason', () => {
    const all = recommendPaths(base, { ...answers, upkeep: 'none' });
    assert.strictEqual(all[0].path, 'paas');
    assert.strictEqual(all[0].platform, 'heroku');
    const vps = all.find((x) => x.path === 'vps')!;
    assert.ok(vps.against.some((x) => /Nobody to patch/.test(x)));
  });

  it('3. the same on a minimal budget: a managed platform billed by use first; among the build platforms, Render (a free start)', () => {
    const all = recommendPaths(base, { ...answers, upkeep: 'none', budget: 'minimal' });
    assert.strictEqual(all[0].path, 'container');
    assert.strictEqual(all.find((x) => x.path === 'paas')!.platform, 'render');
    assert.notStrictEqual(all[0].path, 'vps');
  });

  it('4. SQLite on a platform path: the move to DATABASE_URL (CW607) is on its to-do list, and WhiteNoise when missing', () => {
    const paas = recommendPaths({ ...base, database: 'sqlite', whitenoise: false }, { ...answers, upkeep: 'none' }).find((x) => x.path === 'paas')!;
    assert.ok(paas.todo.some((x) => /CW607/.test(x)));
    assert.ok(paas.todo.some((x) => /CW606/.test(x)));
  });

  it('5. Celery and WebSockets on a container platform: Fly.io, not Cloud Run (no always-on worker)', () => {
    const all = recommendPaths({ ...base, celery: true, websockets: true }, { ...answers, upkeep: 'none', budget: 'minimal' });
    const container = all.find((x) => x.path === 'container')!;
    assert.strictEqual(container.platform, 'fly');
    assert.ok(container.todo.some((x) => /Redis/.test(x)));
    assert.strictEqual(recommendPaths(base, answers).find((x) => x.path === 'container')!.platform, 'cloudrun', 'a plain app: Cloud Run');
  });

  it('6. large traffic and a team that runs clusters: Kubernetes', () => {
    assert.strictEqual(first({}, { traffic: 'large', budget: 'flexible', upkeep: 'expert' }).path, 'kubernetes');
  });

  it('7. a hobby site on a minimal budget with someone to run it: the VPS; Kubernetes last', () => {
    const all = recommendPaths(base, { traffic: 'hobby', budget: 'minimal', upkeep: 'some' });
    assert.strictEqual(all[0].path, 'vps');
    assert.strictEqual(all[all.length - 1].path, 'kubernetes');
  });

  it('every path is ranked once, with a platform of its own, a dated cost and at least one reason', () => {
    const all = recommendPaths(base, answers);
    assert.deepStrictEqual([...all.map((r) => r.path)].sort(), [...DEPLOY_PATHS].sort());
    for (const r of all) {
      assert.ok(PLATFORMS[r.path].includes(r.platform));
      assert.ok(r.cost.length > 10);
      assert.ok(r.reasons.length + r.against.length > 0);
    }
  });

  it('reads the facts from detection: the example project is SQLite with uploads and no WhiteNoise', () => {
    const f = factsFromDetection(detectProjectSync(path.join(repo, 'examples/django-polls')));
    assert.deepStrictEqual({ database: f.database, media: f.media, whitenoise: f.whitenoise, celery: f.celery }, { database: 'sqlite', media: true, whitenoise: false, celery: false });
    const chat = factsFromDetection(detectProjectSync(path.join(repo, 'test/fixtures/projects/django-channels')));
    assert.ok(chat.celery && chat.websockets);
  });
});

describe('each platform\'s commands, from the plan', () => {
  const plan = buildPlan(detectProjectSync(path.join(repo, 'examples/django-polls')));
  for (const platform of Object.values(PLATFORMS).flat()) {
    it(`${platform}: a deploy command, createsuperuser on the platform, logs, backups, HTTPS; no secret typed`, () => {
      const g = platformGuide(plan, platform);
      assert.ok(g.deploy.length > 0);
      assert.match(g.oneOff('createsuperuser'), /createsuperuser/);
      assert.ok(g.logs && g.backup && g.https);
      for (const s of [...g.setup, ...g.deploy]) assert.doesNotMatch(s.command, /SECRET_KEY=[A-Za-z0-9_-]{20,}/, 'a secret value on a command line');
    });
  }
});
