// The outside probe's findings (issue 9), each reproduced as it was found: every test here
// failed on the code the probe ran against and passes now.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import {
  startServer, newApplicant, adminClient, Client, expectStatus, expectError, errorFields,
  createDraft, fullAwardFields, fullCaseFields, accountBody, AWARD, CASE,
} from './harness.mjs';
import { createUpload, uploadFile, waitMaterial, attachRequired } from './tus.mjs';
import { pngBytes, pdfBytes, sha256hex } from './fixtures.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

function storedHashes(dir) {
  const out = new Set();
  const walk = (d) => {
    let entries = [];
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.add(sha256hex(readFileSync(p)));
    }
  };
  walk(dir);
  return out;
}

/** Bytes libmagic takes for an MP4 video that ffprobe cannot read (the probe's fake video). */
function fakeMp4(seed) {
  const head = Buffer.from('000000206674797069736f6d0000020069736f6d69736f32617663316d703431', 'hex');
  const body = Buffer.alloc(64 * 1024, seed % 251);
  for (let i = 0; i < body.length; i += 97) body[i] = (i * 31 + seed) & 0xff;
  return Buffer.concat([head, Buffer.from('0000100066726565', 'hex'), body]);
}

async function healthy(server) {
  const res = await fetch(server.url + '/healthz');
  return res.status === 200;
}

describe('probe finding 1: one request must not crash the process', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server?.stop(); });

  it('100,000 nested objects in POST /accounts are 400 bad_request and the server lives', async () => {
    const depth = 100_000;
    const body = '{"organization":' + '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) + '}';
    assert.ok(body.length > 500_000 && body.length < 1 << 20);
    const c = new Client(server.url);
    const res = await c.request('POST', '/api/v1/accounts', {
      body, headers: { 'Content-Type': 'application/json' },
    });
    expectError(assert, res, 400, 'bad_request');
    assert.ok(server.alive(), 'the server process is still running');
    assert.ok(await healthy(server));
  });

  it('200,000 nested arrays are 400 bad_request', async () => {
    const body = '{"fields":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
    const c = new Client(server.url);
    const res = await c.request('POST', '/api/v1/accounts', { body, headers: { 'Content-Type': 'application/json' } });
    expectError(assert, res, 400, 'bad_request');
    assert.ok(await healthy(server));
  });

  it('nesting is refused at 17 levels inside fields, captions and everywhere else, accepted at 16', async () => {
    const a = await newApplicant(server);
    const sid = await createDraft(a, AWARD, 'basic-research', { title_en: 'Depth' });
    const deep = (n) => JSON.parse('{"x":'.repeat(n - 1) + '1' + '}'.repeat(n - 1));
    // {"fields":{"criteria":…}}: the body's own object is level 1.
    const over = await a.patch(`/submissions/${sid}`, { fields: { criteria: deep(16) } });
    expectError(assert, over, 400, 'bad_request');
    assert.match(over.body.error.message, /16/);
    const ok = await a.patch(`/submissions/${sid}`, { fields: { title_en: 'Shallow' } });
    expectStatus(assert, ok, 200);
  });
});

describe('probe finding 2: the prepared-statement cache cannot grow without bound', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server?.stop(); });

  it('PATCHes with 1…600 unknown keys are 400 at once and the server does not grow', async () => {
    const a = await newApplicant(server);
    const sid = await createDraft(a, AWARD, 'basic-research', { title_en: 'Cache' });
    // Warm up: every ordinary statement prepared once.
    for (let i = 0; i < 20; i += 1) await a.patch(`/submissions/${sid}`, { fields: { title_en: `Warm ${i}` } });
    const before = rssKiB(server.pid());
    const limit = 6;
    let next = 1;
    const worker = async () => {
      while (next <= 600) {
        const n = next; next += 1;
        const fields = {};
        for (let k = 0; k < n; k += 1) fields[`k${k}`] = 'x';
        fields.criteria = { originality: 'text' };  // the old code's SQL depended on where this was
        const res = await a.patch(`/submissions/${sid}`, { fields });
        expectError(assert, res, 400, 'bad_request');
      }
    };
    await Promise.all(Array.from({ length: limit }, worker));
    const grown = rssKiB(server.pid()) - before;
    // The probe measured ≈250 KiB per request (2,940 requests: 549 MB → 1.3 GB); 600 would be ≈150 MB.
    assert.ok(grown < 40 * 1024, `RSS grew by ${grown} KiB over 600 requests`);
    const ok = await a.patch(`/submissions/${sid}`, { fields: { title_en: 'Still fine' } });
    expectStatus(assert, ok, 200);
  });
});

describe('probe finding 3: every byte on disk counts against the account', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server?.stop(); });

  it('a file that passes libmagic but fails ffprobe is rejected and its bytes are deleted', async () => {
    const a = await newApplicant(server);
    const sid = await createDraft(a, CASE, 'network-infrastructure', {});
    const bytes = fakeMp4(7);
    const up = await uploadFile(a, sid, 'video', 'fake.mp4', bytes);
    const m = await waitMaterial(a, sid, up.materialId);
    assert.equal(m.status, 'rejected', JSON.stringify(m));
    // The worker deletes the bytes as it rejects them.
    let present = true;
    for (let i = 0; i < 50 && present; i += 1) {
      present = storedHashes(server.files).has(sha256hex(bytes));
      if (present) await sleep(100);
    }
    assert.equal(present, false, 'the rejected video is gone from the file store');
  });

  it('materials removed from a submitted entry stay in the account quota', async () => {
    const pdf = pdfBytes();
    const png = pngBytes(64, 48, 3);
    const png2 = pngBytes(64, 48, 4);
    const quota = pdf.length + png.length + png2.length - 1;
    const q = await startServer({ extraArgs: ['--account-quota', String(quota)] });
    try {
      const a = await newApplicant(q);
      const fields = await fullAwardFields(a, 'basic-research');
      const sid = await createDraft(a, AWARD, 'basic-research', fields);
      await uploadFile(a, sid, 'document', 'evidence.pdf', pdf);
      const img = await uploadFile(a, sid, 'image', 'photo.png', png);
      await waitMaterial(a, sid, img.materialId);
      expectStatus(assert, await a.post(`/submissions/${sid}/submit`, {}), 200);
      expectStatus(assert, await a.del(`/materials/${img.materialId}`), 204);
      // Its bytes stay (the submitted version names them): a new image no longer fits.
      const res = await createUpload(a, { submission: sid, kind: 'image', filename: 'again.png' }, png2.length);
      assert.equal(res.status, 413, `expected 413; got ${res.status}: ${res.text}`);
      assert.match(res.text, /too_large/);
    } finally {
      await q.stop();
    }
  });
});

describe('probe finding 4: two removals cannot both take the last required images', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server?.stop(); });

  it('concurrent DELETEs of the only two images of a submitted case: one 204, one 422 (5 trials)', async () => {
    const a = await newApplicant(server);
    for (let trial = 0; trial < 5; trial += 1) {
      const fields = await fullCaseFields(a, 'network-infrastructure');
      const sid = await createDraft(a, CASE, 'network-infrastructure', fields);
      const [first] = await attachRequired(a, sid, 'case');
      const second = await uploadFile(a, sid, 'image', 'second.png', pngBytes(40, 30, trial + 10));
      await waitMaterial(a, sid, first);
      await waitMaterial(a, sid, second.materialId);
      expectStatus(assert, await a.post(`/submissions/${sid}/submit`, {}), 200);
      const [x, y] = await Promise.all([a.del(`/materials/${first}`), a.del(`/materials/${second.materialId}`)]);
      const statuses = [x.status, y.status].sort();
      assert.deepEqual(statuses, [204, 422], `trial ${trial}: ${x.status} ${x.text} / ${y.status} ${y.text}`);
      const entry = await a.get(`/submissions/${sid}`);
      const images = entry.body.materials.filter((m) => m.kind === 'image' && m.status !== 'rejected');
      assert.equal(images.length, 1, 'the submitted entry keeps one image');
    }
  });
});

/** Opens `n` TCP connections that send nothing; resolves with the sockets and what each received. */
async function idleSockets(server, n) {
  const socks = [];
  for (let i = 0; i < n; i += 1) {
    const s = net.connect(server.port, '127.0.0.1');
    s.received = '';
    s.on('data', (d) => { s.received += d; });
    s.on('error', () => {});
    socks.push(s);
    await new Promise((r) => { s.once('connect', r); s.once('error', r); s.once('close', r); });
  }
  return socks;
}

describe('probe finding 5: connections are capped and the server stays answerable', () => {
  it('past --max-connections-per-address, new connections from that address get 503 and close', async () => {
    const server = await startServer({ extraArgs: ['--max-connections-per-address', '20'] });
    try {
      const socks = await idleSockets(server, 30);
      await sleep(300);
      const refused = socks.filter((s) => s.received.startsWith('HTTP/1.1 503'));
      assert.equal(refused.length, 10, `${refused.length} of 30 refused`);
      for (const s of socks) s.destroy();
      await sleep(200);
      assert.ok(await healthy(server));
    } finally {
      await server.stop();
    }
  });

  it('at --max-connections, idle connections are closed to make room: /healthz answers within 3 s', async () => {
    const server = await startServer({ extraArgs: ['--max-connections', '40', '--max-connections-per-address', '0'] });
    try {
      const socks = await idleSockets(server, 60);
      const started = Date.now();
      let ok = false;
      while (!ok && Date.now() - started < 3000) {
        try { ok = await healthy(server); } catch { ok = false; }
        if (!ok) await sleep(50);
      }
      assert.ok(ok, '/healthz answered while 60 idle connections were held');
      for (const s of socks) s.destroy();
    } finally {
      await server.stop();
    }
  });

  it('closing idle connections under pressure never drops a kept-alive client\'s next request', async () => {
    const server = await startServer({ extraArgs: ['--max-connections', '40', '--max-connections-per-address', '0'] });
    try {
      const http = await import('node:http');
      const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
      const get = () => new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: server.port, path: '/healthz', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        });
        req.on('error', (e) => resolve(e.code || 'error'));
      });
      let stop = false;
      const flood = (async () => {  // idle connections arriving all the time: the server is under pressure
        const held = [];
        while (!stop) {
          held.push(...await idleSockets(server, 10));
          while (held.length > 45) held.shift().destroy();
          await sleep(50);
        }
        for (const s of held) s.destroy();
      })();
      const results = [];
      for (let i = 0; i < 150; i += 1) {
        results.push(await get());
        await sleep(i % 10 === 0 ? 300 : 5);
      }
      stop = true;
      await flood;
      agent.destroy();
      const failed = results.filter((r) => r !== 200 && r !== 503);
      assert.deepEqual(failed, [], `requests on kept-alive connections failed: ${failed.join(', ')}`);
    } finally {
      await server.stop();
    }
  });

  it('out of file descriptors: accept backs off, logs once a second, and recovers', async () => {
    // 128 descriptors: the server starts, then runs out long before the 5,000-connection cap.
    const server = await startServer({ extraArgs: ['--max-connections', '5000', '--max-connections-per-address', '0'],
      wrap: ['prlimit', '--nofile=160:160', '--'] });
    try {
      const socks = await idleSockets(server, 400);
      const before = server.logs().length;
      await sleep(2000);
      const logged = server.logs().slice(before);
      const lines = logged.split('\n').filter((l) => /accept/.test(l)).length;
      assert.ok(lines <= 6, `at most a few accept lines in 2 s, got ${lines}`);
      for (const s of socks) s.destroy();
      await sleep(300);
      let ok = false;
      for (let i = 0; i < 40 && !ok; i += 1) {
        try { ok = await healthy(server); } catch { ok = false; }
        if (!ok) await sleep(100);
      }
      assert.ok(ok, '/healthz answers once the descriptors are free again');
      assert.ok(server.alive());
    } finally {
      await server.stop();
    }
  });
});

describe('probe finding 7: drafts are bounded on every save; lists read no texts', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server?.stop(); });

  it('900 invented criterion slugs × 1,000 characters: 400, nothing stored', async () => {
    const a = await newApplicant(server);
    const sid = await createDraft(a, AWARD, 'basic-research', { title_en: 'Big' });
    const criteria = {};
    for (let i = 0; i < 900; i += 1) criteria[`slug-${i}`] = 'x'.repeat(1000);
    const res = await a.patch(`/submissions/${sid}`, { fields: { criteria } });
    expectError(assert, res, 400, 'bad_request');
    const got = await a.get(`/submissions/${sid}`);
    assert.deepEqual(got.body.fields.criteria, {});
  });

  it('a statement at the limit is saved, one character more is 400 naming the field', async () => {
    const a = await newApplicant(server);
    const sid = await createDraft(a, AWARD, 'basic-research', {});
    expectStatus(assert, await a.patch(`/submissions/${sid}`, { fields: { criteria: { originality: '字'.repeat(10000) } } }), 200);
    const over = await a.patch(`/submissions/${sid}`, { fields: { summary_en: 'y'.repeat(10001) } });
    expectError(assert, over, 400, 'bad_request');
    assert.ok(errorFields(over).summary_en, JSON.stringify(over.body));
    const created = await a.post(`/calls/${AWARD}/submissions`, { category: 'basic-research', fields: { title_zh: '长'.repeat(301) } });
    expectError(assert, created, 400, 'bad_request');
  });

  it('fields of the other call are refused (an award entry has no countries)', async () => {
    const a = await newApplicant(server);
    const sid = await createDraft(a, AWARD, 'basic-research', {});
    const res = await a.patch(`/submissions/${sid}`, { fields: { countries: ['CN'] } });
    expectError(assert, res, 400, 'bad_request');
  });

  it('the organiser\'s list carries titles and organisations, never the long texts', async () => {
    const a = await newApplicant(server);
    const fields = await fullAwardFields(a, 'basic-research');
    await createDraft(a, AWARD, 'basic-research', fields);
    const admin = await adminClient(server);
    const list = await admin.get(`/admin/calls/${AWARD}/submissions`);
    expectStatus(assert, list, 200);
    const mine = list.body.submissions.find((x) => x.owner.email === a.email);
    assert.ok(mine);
    assert.equal(mine.fields.title_en, fields.title_en);
    assert.deepEqual(mine.fields.organizations, fields.organizations);
    assert.equal(mine.fields.summary_en, '', 'no summary in a list');
    assert.deepEqual(mine.fields.criteria, {}, 'no statements in a list');
  });
});

describe('probe finding 8 and text hygiene', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server?.stop(); });

  it('a title starting with a tab or CR is exported as text, not a formula', async () => {
    const a = await newApplicant(server);
    const sid = await createDraft(a, AWARD, 'basic-research', { title_en: "\t=cmd|' /C calc'!A0", title_zh: '\r\n=1+1' });
    const admin = await adminClient(server);
    const csv = await admin.request('GET', `/admin/calls/${AWARD}/entries.csv`);
    expectStatus(assert, csv, 200);
    assert.ok(csv.text.includes("\"'\t=cmd|' /C calc'!A0\""), csv.text.slice(0, 800));
    assert.ok(csv.text.includes("\"'\r\n=1+1\""));
    assert.ok(!/(^|,)"[\t\r=+\-@]/m.test(csv.text.replace(/^\uFEFF/, '')), 'no cell starts with a formula character');
  });

  it('NUL and other control characters are refused in titles, texts, captions and registrations', async () => {
    const a = await newApplicant(server);
    const sid = await createDraft(a, AWARD, 'basic-research', {});
    for (const bad of ['A\u0000B', 'bell\u0007', 'esc\u001b[2J', 'C1\u0085']) {
      const res = await a.patch(`/submissions/${sid}`, { fields: { title_en: bad } });
      expectError(assert, res, 400, 'bad_request');
    }
    expectStatus(assert, await a.patch(`/submissions/${sid}`, { fields: { summary_en: 'two\nlines\tand a tab' } }), 200);
    const reg = await new Client(server.url).post('/accounts', accountBody({ contact_name: 'Li\u0000Hua' }));
    expectError(assert, reg, 400, 'bad_request');
    const doc = await uploadFile(a, sid, 'document', 'e.pdf', pdfBytes());
    const cap = await a.patch(`/materials/${doc.materialId}`, { caption: { en: 'x\u0000y' } });
    expectError(assert, cap, 400, 'bad_request');
  });
});
