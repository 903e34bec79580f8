// Scale-out: two `laurel serve` processes against one PostgreSQL and one file directory, behind
// Debian's nginx (round robin, no sticky sessions). Run under tests/pg/with-cluster.sh (it sets
// LAUREL_TEST_PG and LAUREL_PG_DIR):
//   tests/pg/with-cluster.sh node --test tests/scale/
// Phases: a session made on one process works on the other; drafts saved alternately; an upload
// begun on one process and finished on the other; 200 clients submitting at once (every answer
// 200, receipts unique and gapless); one process killed with kill -9 under load (clients retry
// through nginx; nothing acknowledged is lost); the database restarted under load (503 with a
// clear message meanwhile, then it recovers by itself).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import {
  BIN, CALLS_FILE, REPO, AWARD, Client, accountBody, fullAwardFields, createDraft, expectStatus,
  freshDatabase, dropDatabase, RECEIPT_RE,
} from '../http/harness.mjs';
import { attachRequired, createUpload, patchUpload, headUpload, uploadPath, getMaterials } from '../http/tus.mjs';

const PG = process.env.LAUREL_TEST_PG;
const PG_DIR = process.env.LAUREL_PG_DIR;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function waitForLine(child, re, what, ms = 20_000) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const t = setTimeout(() => reject(new Error(`${what} did not start: ${seen}`)), ms);
    const on = (d) => { seen += d; const m = re.exec(seen); if (m) { clearTimeout(t); resolve(m); } };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.on('exit', (c) => { clearTimeout(t); reject(new Error(`${what} exited ${c}: ${seen}`)); });
  });
}

function psql(db, sql) {
  return execFileSync('psql', [db, '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' }).trim();
}

// Retries what a real client retries: a connection error, 502/503/504 (a process or the
// database went away), and 409 conflict. Returns the final response and how many tries it took.
async function withRetry(fn, { tries = 40 } = {}) {
  let last;
  for (let i = 0; i < tries; i++) {
    try {
      last = await fn();
      if (![502, 503, 504].includes(last.status)) return { res: last, tries: i + 1 };
    } catch (e) {
      last = { status: 0, text: String(e) };
    }
    await new Promise((r) => setTimeout(r, 100 + 50 * i));
  }
  return { res: last, tries };
}

describe('scale-out: two processes behind nginx on PostgreSQL', { skip: !PG && 'LAUREL_TEST_PG not set (run under tests/pg/with-cluster.sh)' }, () => {
  let tmp, db, files, nginx, url;
  const procs = [];
  const logs = ['', ''];

  async function startProcess(i, port) {
    const child = spawn(BIN, ['--database', db, '--files', files, '--pool-size', '8', 'serve', '--listen', `127.0.0.1:${port}`, '--demo'],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => { logs[i] = (logs[i] + d).slice(-400_000); });
    await waitForLine(child, /listening on http/, `laurel #${i + 1}`);
    procs[i] = { child, port };
  }
  const served = (i) => (logs[i].match(/ req=\d+ /g) || []).length;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'laurel-scale-'));
    db = freshDatabase(tmp);
    files = join(tmp, 'files');
    execFileSync(BIN, ['--database', db, '--files', files, 'migrate'], { stdio: 'ignore' });
    execFileSync(BIN, ['--database', db, '--files', files, 'load-calls', CALLS_FILE], { stdio: 'ignore' });
    const ports = [await freePort(), await freePort()];
    await startProcess(0, ports[0]);
    await startProcess(1, ports[1]);
    const nport = await freePort();
    mkdirSync(join(tmp, 'nginx', 'logs'), { recursive: true });
    const conf = `
worker_processes 1;
pid ${tmp}/nginx/nginx.pid;
error_log ${tmp}/nginx/logs/error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${tmp}/nginx/body;
  proxy_temp_path ${tmp}/nginx/proxy;
  upstream laurel {
    server 127.0.0.1:${ports[0]} max_fails=1 fail_timeout=5s;
    server 127.0.0.1:${ports[1]} max_fails=1 fail_timeout=5s;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${nport};
    client_max_body_size 0;
    location / {
      proxy_pass http://laurel;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_next_upstream error timeout;
      proxy_request_buffering off;
      proxy_buffering off;
      proxy_read_timeout 60s;
    }
  }
}`;
    writeFileSync(join(tmp, 'nginx', 'nginx.conf'), conf);
    // stdio ignored: a worker left behind must not hold a pipe that keeps this test alive.
    nginx = spawn('nginx', ['-p', join(tmp, 'nginx'), '-c', join(tmp, 'nginx', 'nginx.conf'), '-g', 'daemon off;'],
      { stdio: 'ignore' });
    url = `http://127.0.0.1:${nport}`;
    for (let i = 0; i < 100; i++) {
      try { if ((await fetch(url + '/healthz')).status === 200) break; } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    for (const p of procs) try { p?.child.kill('SIGKILL'); } catch { /* gone */ }
    // SIGTERM: nginx's master stops its workers too (SIGKILL would orphan them).
    if (nginx && nginx.exitCode === null) {
      const gone = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    }
    dropDatabase(db);
    rmSync(tmp, { recursive: true, force: true });
  });

  // Registering and logging in run argon2id, of which a process runs only a few at once (issue 9:
  // a burst waits briefly, then gets 429 with Retry-After); a scripted client does as it is told
  // and tries again after that many seconds.
  async function politely(send) {
    for (let attempt = 0; ; attempt += 1) {
      const res = await send();
      if (res.status !== 429 || attempt >= 30) return res;
      const wait = Number(res.headers.get('retry-after')) || 1;
      await new Promise((r) => setTimeout(r, wait * 1000 * (0.5 + Math.random())));
    }
  }
  async function applicant() {
    const c = new Client(url);
    const body = accountBody();
    expectStatus(assert, await politely(() => c.post('/accounts', body)), 201);
    expectStatus(assert, await politely(() => c.login(body.email, body.password)), 200);
    return c;
  }

  it('a session and its CSRF token made through one process work on the other; drafts saved alternately all land', async () => {
    const c = await applicant();
    const direct = procs.map((p) => { const d = new Client(`http://127.0.0.1:${p.port}`); d.cookies = c.cookies; d.csrf = c.csrf; return d; });
    const fields = await fullAwardFields(c, 'key-technology');
    const id = await createDraft(direct[0], AWARD, 'key-technology', fields);
    for (let i = 0; i < 10; i++) {
      const res = await direct[i % 2].patch(`/submissions/${id}`, { fields: { title_en: `Saved ${i} on process ${i % 2 + 1}` } });
      expectStatus(assert, res, 200);
    }
    const back = await direct[1].get(`/submissions/${id}`);
    assert.equal(back.body.fields.title_en, 'Saved 9 on process 2');
    // And through nginx, round robin: both processes serve.
    const before = [served(0), served(1)];
    for (let i = 0; i < 20; i++) expectStatus(assert, await c.patch(`/submissions/${id}`, { fields: { summary_en: `through nginx ${i}` } }), 200);
    assert.ok(served(0) > before[0] && served(1) > before[1], `both processes served (${served(0) - before[0]}, ${served(1) - before[1]})`);
  });

  it('an upload begun on one process is finished on the other, and the file is whole', async () => {
    const c = await applicant();
    const id = await createDraft(c, AWARD, 'key-technology', await fullAwardFields(c, 'key-technology'));
    const a = new Client(`http://127.0.0.1:${procs[0].port}`); a.cookies = c.cookies; a.csrf = c.csrf;
    const b = new Client(`http://127.0.0.1:${procs[1].port}`); b.cookies = c.cookies; b.csrf = c.csrf;
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n' +
      'x'.repeat(300_000) + '\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    const created = await createUpload(a, { submission: id, kind: 'document', filename: 'report.pdf' }, pdf.length);
    expectStatus(assert, created, 201);
    const path = uploadPath(created.headers.get('location'));
    expectStatus(assert, await patchUpload(a, path, 0, pdf.subarray(0, 100_000)), 204);
    const head = await headUpload(b, path);
    assert.equal(head.headers.get('upload-offset'), '100000');
    const done = await patchUpload(b, path, 100_000, pdf.subarray(100_000));
    expectStatus(assert, done, 204);
    const materials = await getMaterials(c, id);
    assert.equal(materials.length, 1);
    const { createHash } = await import('node:crypto');
    assert.equal(materials[0].sha256, createHash('sha256').update(pdf).digest('hex'));
    const bytes = await a.request('GET', `/api/v1/materials/${materials[0].id}/content`);
    assert.equal(bytes.bytes.length, pdf.length);
  });

  it('200 clients submitting at once through nginx: every answer 200, receipts unique and gapless', async () => {
    const clients = [];
    for (let i = 0; i < 200; i += 20) {
      clients.push(...await Promise.all(Array.from({ length: 20 }, async () => {
        const c = await applicant();
        const id = await createDraft(c, AWARD, 'basic-research', await fullAwardFields(c, 'basic-research'));
        await attachRequired(c, id, 'award');
        return { c, id };
      })));
    }
    const answers = await Promise.all(clients.map(({ c, id }) => c.post(`/submissions/${id}/submit`, {})));
    const failed = answers.filter((r) => r.status !== 200);
    assert.equal(failed.length, 0, `failed submits: ${failed.slice(0, 3).map((r) => `${r.status} ${r.text}`).join(' | ')}`);
    const receipts = answers.map((r) => r.body.receipt);
    for (const r of receipts) assert.match(r, RECEIPT_RE);
    const numbers = receipts.map((r) => Number(r.slice(-4))).sort((x, y) => x - y);
    assert.equal(new Set(receipts).size, 200, 'no receipt twice');
    const stored = psql(db, "SELECT string_agg(receipt, ',' ORDER BY receipt) FROM submissions WHERE category = 'basic-research' AND receipt IS NOT NULL").split(',');
    assert.equal(stored.length, 200);
    assert.deepEqual(numbers, Array.from({ length: 200 }, (_, i) => i + 1), 'gapless from 0001');
  });

  it('with one process killed (kill -9) under load, clients retrying through nginx lose nothing acknowledged', async () => {
    const writers = await Promise.all(Array.from({ length: 16 }, async () => {
      const c = await applicant();
      const id = await createDraft(c, AWARD, 'engineering-rd', await fullAwardFields(c, 'engineering-rd'));
      return { c, id, acked: null };
    }));
    let stop = false;
    let retried = 0;
    const loops = writers.map(async (w) => {
      let n = 0;
      while (!stop) {
        const text = `save ${n++} of ${w.id}`;
        const { res, tries } = await withRetry(() => w.c.patch(`/submissions/${w.id}`, { fields: { title_en: text } }));
        retried += tries - 1;
        assert.equal(res.status, 200, `save answered ${res.status}: ${res.text}`);
        w.acked = text;
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    procs[0].child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 2500));
    stop = true;
    await Promise.all(loops);
    for (const w of writers) {
      const stored = psql(db, `SELECT value FROM submission_fields WHERE submission_id = '${w.id}' AND key = 'title_en'`);
      assert.equal(JSON.parse(stored), w.acked, 'the last acknowledged save is in the database');
    }
    // The survivor carries on alone.
    const c = await applicant();
    expectStatus(assert, await c.get('/submissions'), 200);
    console.log(`# kill -9 under load: ${retried} retries through nginx, every acknowledged save present`);
  });

  it('a restarted database gives 503 with a clear message meanwhile, and the server recovers by itself', { skip: !PG_DIR && 'LAUREL_PG_DIR not set' }, async () => {
    const c = await applicant();
    const id = await createDraft(c, AWARD, 'key-technology', await fullAwardFields(c, 'key-technology'));
    const seen = new Map();
    let stop = false;
    const probe = (async () => {
      while (!stop) {
        try {
          const r = await c.patch(`/submissions/${id}`, { fields: { title_en: 'probe' } });
          seen.set(r.status, r);
        } catch { /* a connection error */ }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    spawnSync('bash', [join(REPO, 'tests/pg/cluster.sh'), 'stop', PG_DIR], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1500));
    const during = await c.patch(`/submissions/${id}`, { fields: { title_en: 'while down' } });
    const pgUrl = new URL(PG);
    const restart = spawnSync('bash', [join(REPO, 'tests/pg/cluster.sh'), 'start', PG_DIR, pgUrl.port], { encoding: 'utf8' });
    assert.equal(restart.status, 0, restart.stderr);
    // Recovers without restarting laurel: wait until requests succeed again, then stop the probe
    // (so that its last save cannot land after ours) and save.
    await withRetry(() => c.get(`/submissions/${id}`));
    stop = true;
    await probe;
    const { res } = await withRetry(() => c.patch(`/submissions/${id}`, { fields: { title_en: 'after restart' } }));
    assert.equal(during.status, 503, `while the database is down: ${during.status} ${during.text}`);
    assert.equal(during.body.error.code, 'unavailable');
    assert.ok(during.headers.get('retry-after'), 'Retry-After');
    assert.match(during.body.error.message, /\S{4,}/);
    expectStatus(assert, res, 200);
    assert.equal((await c.get(`/submissions/${id}`)).body.fields.title_en, 'after restart');
    assert.ok(!seen.has(500), `no 500 while the database was down: ${[...seen.keys()]}`);
  });
});
