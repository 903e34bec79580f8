// Migrations are forward only and apply to an empty database, on the back end the suite runs
// against (SQLite, or PostgreSQL when LAUREL_TEST_PG is set): every file under
// migrations/<backend>/ is applied once, in order, and a second `laurel migrate` applies nothing.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO, freshDatabase, dropDatabase } from './harness.mjs';

describe('migrations', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'laurel-migrate-'));
  const db = freshDatabase(tmp);
  after(() => { dropDatabase(db); rmSync(tmp, { recursive: true, force: true }); });
  const folder = db.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  const expected = readdirSync(join(REPO, 'migrations', folder)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();

  it(`every ${folder} migration applies to an empty database, once and in order`, () => {
    const first = spawnSync(BIN, ['--database', db, '--files', join(tmp, 'files'), 'migrate'], { encoding: 'utf8' });
    assert.equal(first.status, 0, first.stderr);
    const applied = [...first.stderr.matchAll(/migration applied: (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(applied, expected);
    const second = spawnSync(BIN, ['--database', db, '--files', join(tmp, 'files'), 'migrate'], { encoding: 'utf8' });
    assert.equal(second.status, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /migration applied/);
    assert.match(second.stdout, /up to date/);
  });

  it('the two back ends have the same migrations', () => {
    const a = readdirSync(join(REPO, 'migrations', 'sqlite')).sort();
    const b = readdirSync(join(REPO, 'migrations', 'postgres')).sort();
    assert.deepEqual(a, b);
  });
});
