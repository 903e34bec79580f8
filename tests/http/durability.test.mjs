// An acknowledged save survives `kill -9` of the server: every write that got its 2xx is in
// the database after a restart, with the content and receipt that were acknowledged.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, CALLS_FILE, REPO, Client, accountBody, fullAwardFields, createDraft, freshDatabase, dropDatabase } from './harness.mjs';
import { attachRequired } from './tus.mjs';

function serve(dbArgs) {
  const child = spawn(BIN, [...dbArgs, 'serve', '--listen', '127.0.0.1:0', '--demo'],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.resume();
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start')), 20000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1] }); }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

describe('durability', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'laurel-durable-'));
  const db = freshDatabase(tmp);
  const dbArgs = ['--database', db, '--files', join(tmp, 'files')];
  let running;
  after(() => {
    try { running?.child.kill('SIGKILL'); } catch { /* gone */ }
    dropDatabase(db);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('every acknowledged save and submit is still there after kill -9 and a restart', async () => {
    execFileSync(BIN, [...dbArgs, 'migrate'], { stdio: 'ignore' });
    execFileSync(BIN, [...dbArgs, 'load-calls', CALLS_FILE], { stdio: 'ignore' });
    running = await serve(dbArgs);
    const account = accountBody();
    const c = new Client(running.url);
    assert.equal((await c.post('/accounts', account)).status, 201);
    assert.equal((await c.login(account.email, account.password)).status, 200);

    const fields = await fullAwardFields(c, 'key-technology');
    const ids = await Promise.all(Array.from({ length: 12 }, () => createDraft(c, 'leading-tech-2025', 'key-technology', fields)));
    // Entries need their required materials to be submitted (docs/uploads.md): attach them
    // before the load, so the kill hits saves and submits only.
    await Promise.all(ids.map((id) => attachRequired(c, id, 'award')));
    const acknowledged = new Map();  // id -> {title, receipt?}
    let stop = false;
    // Writers keep saving (and half of them submit) until the server is killed under them.
    const writers = ids.map(async (id, i) => {
      for (let n = 0; !stop; n++) {
        const title = `entry ${i} save ${n}`;
        let res;
        try {
          res = await c.patch(`/submissions/${id}`, { fields: { title_en: title } });
        } catch { return; }
        if (res.status !== 200) return;
        const prev = acknowledged.get(id) || {};
        acknowledged.set(id, { ...prev, title });
        if (i % 2 === 0 && !prev.receipt) {
          let sub;
          try { sub = await c.post(`/submissions/${id}/submit`, {}); } catch { return; }
          if (sub.status === 200) acknowledged.set(id, { title, receipt: sub.body.receipt });
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    running.child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    assert.ok(acknowledged.size === ids.length, 'every entry had at least one acknowledged save');

    running = await serve(dbArgs);
    const again = new Client(running.url);
    assert.equal((await again.login(account.email, account.password)).status, 200);
    for (const [id, want] of acknowledged) {
      const got = await again.get(`/submissions/${id}`);
      assert.equal(got.status, 200);
      // The last acknowledged save is there (a save in flight at the kill may also have landed).
      const n = (t) => Number(/save (\d+)$/.exec(t)[1]);
      assert.ok(n(got.body.fields.title_en) >= n(want.title), `${id}: ${got.body.fields.title_en} >= ${want.title}`);
      if (want.receipt) {
        assert.equal(got.body.status, 'submitted');
        assert.equal(got.body.receipt, want.receipt);
      }
    }
  });
});
