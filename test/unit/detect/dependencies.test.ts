import * as assert from 'assert';
import { majorMinor, normaliseName, requirementName, versionFromSpecifier } from '../../../src/core/detect/dependencies';

describe('detect: dependency and version parsing', () => {
  it('normalises distribution names as pip does', () => {
    assert.strictEqual(normaliseName('Django_Redis'), 'django-redis');
    assert.strictEqual(requirementName('psycopg[binary]>=3.1 ; python_version >= "3.8"'), 'psycopg');
    assert.strictEqual(requirementName('  gunicorn==22.0'), 'gunicorn');
  });

  it('reads major.minor from version files', () => {
    assert.strictEqual(majorMinor('3.11.4'), '3.11');
    assert.strictEqual(majorMinor('python-3.12.1'), '3.12');
    assert.strictEqual(majorMinor('pypy3.10'), '3.10');
    assert.strictEqual(majorMinor('system'), null);
    assert.strictEqual(majorMinor('2.7.18'), null);
  });

  it('picks a version from a specifier', () => {
    assert.strictEqual(versionFromSpecifier('>=3.10'), '3.10');
    assert.strictEqual(versionFromSpecifier('^3.11'), '3.11');
    assert.strictEqual(versionFromSpecifier('~=3.12'), '3.12');
    assert.strictEqual(versionFromSpecifier('==3.12.*'), '3.12');
    assert.strictEqual(versionFromSpecifier('>=3.10,<3.13'), '3.12');
    assert.strictEqual(versionFromSpecifier('>=3.9, <4'), '3.9');
  });
});
