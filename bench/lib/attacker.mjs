// The attacker of bench/abuse (issue 9): one client that sends the outside probe's attacks at a
// running Laurel, each attack in its own loop (one request at a time, or a small burst where the
// attack is parallel by nature), until SIGTERM or SIGINT; then it writes what it sent and what it
// got back, per attack, as JSON.
//   node bench/lib/attacker.mjs BASE_URL OUT.json
// Environment:
//   ORGANISER_EMAIL      the organiser's login, for the wrong-password flood (required)
//   IDLE_ADDRESSES       local addresses the idle connections come from ("127.0.0.2 127.0.0.3")
//   IDLE_PER_ADDRESS     idle connections to hold from each of them (default 1200)
//   LOGIN_PARALLEL       wrong logins in flight per login stream (default 8)
//   ATTACKS              which loops run (default all: nested unknown-keys fake-video
//                        delete-race logins large-draft idle probe)
// Prints "READY" once its own account, session and drafts exist and the loops have started.
//
// The attacks (the probe's numbering):
//   1 nested       POST /api/v1/accounts with 100,000 nested objects (~600 KB) or 200,000 nested
//                  arrays (~400 KB)                                     → 400 bad_request at once
//   2 unknown-keys PATCH /api/v1/submissions/{id} {"fields":{N random unknown keys}}, N from 1 to
//                  20,000 (a fresh set each time: the statement cache must stay bounded)  → 400
//   3 fake-video   tus upload of a 256 KiB file that libmagic takes for an MP4 ('ftyp' box, then
//                  random bytes) as a practice case's video → 204, material `rejected`, bytes deleted
//   4 delete-race  8 concurrent DELETE /api/v1/materials/{id} of one fresh material → one 204, 404s
//   5 idle         IDLE_PER_ADDRESS connections from each IDLE_ADDRESSES address: half send nothing,
//                  half a partial request head; each is reopened when the server closes it
//                  → refused beyond --max-connections-per-address / --max-connections (503),
//                  idle ones closed under pressure
//   6 logins       wrong passwords in parallel: for the organiser's email from random client
//                  addresses, for random emails from one address, for random emails from random
//                  addresses (X-Forwarded-For; the server trusts 127.0.0.1 as a proxy) → 401, then 429
//   7 large-draft  PATCH with 300 unknown criterion slugs × 1,000 characters (~310 KB) → 400
// and `probe`: a new visitor every 0.5 s (a fresh connection from 127.0.0.1, GET the call page),
// to see whether the connection flood keeps newcomers out.
import http from 'node:http';
import net from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pdfBytes } from '../../tests/http/fixtures.mjs';

const [base, out] = process.argv.slice(2);
if (!base || !out) { console.error('usage: node bench/lib/attacker.mjs BASE_URL OUT.json'); process.exit(2); }
const url = new URL(base);
const HOST = url.hostname, PORT = Number(url.port);
const ORGANISER = process.env.ORGANISER_EMAIL;
if (!ORGANISER) { console.error('attacker: ORGANISER_EMAIL is required'); process.exit(2); }
const IDLE_ADDRESSES = (process.env.IDLE_ADDRESSES || '').split(/\s+/).filter(Boolean);
const IDLE_PER_ADDRESS = Number(process.env.IDLE_PER_ADDRESS || 1200);
const LOGIN_PARALLEL = Number(process.env.LOGIN_PARALLEL || 8);
const ATTACKS = (process.env.ATTACKS || 'nested unknown-keys fake-video delete-race logins large-draft idle probe').split(/\s+/);

let stopping = false;
const started = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Statistics: per attack, requests sent, answers by status, socket errors, slowest answer.
const stats = {};
function stat(name) {
  return (stats[name] ||= { sent: 0, statuses: {}, socket_errors: 0, max_ms: 0, total_ms: 0, samples: [] });
}
function note(name, status, ms, body) {
  const s = stat(name);
  s.sent++;
  s.total_ms += ms;
  if (ms > s.max_ms) s.max_ms = ms;
  if (status === 0) s.socket_errors++;
  else s.statuses[status] = (s.statuses[status] || 0) + 1;
  // Keep one sample answer per status (what the server said).
  const key = String(status);
  if (s.samples.length < 6 && !s.samples.some((x) => x.startsWith(key + ' '))) s.samples.push(`${key} ${String(body || '').slice(0, 160)}`);
}

// ---------------------------------------------------------------------------------------------
// HTTP from 127.0.0.1 on a few keep-alive connections (the attacker's own, apart from `idle`).
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
let cookie = '', csrf = '';
function request(method, path, { body, headers = {}, fresh = false, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const h = { ...headers };
    if (h.Cookie === '') delete h.Cookie;  // a stranger: no session
    else if (cookie && !h.Cookie) h.Cookie = cookie;
    if (h.Cookie && csrf && method !== 'GET' && method !== 'HEAD' && !h['X-CSRF-Token']) h['X-CSRF-Token'] = csrf;
    if (body !== undefined) {
      if (!h['Content-Type']) h['Content-Type'] = 'application/json';
      h['Content-Length'] = Buffer.byteLength(body);
    }
    const req = http.request({ host: HOST, port: PORT, method, path, headers: h, agent: fresh ? false : agent }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(parts).toString('utf8'),
        ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
      res.on('error', (e) => resolve({ status: 0, headers: {}, text: String(e), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, headers: {}, text: String(e), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    if (body !== undefined) req.end(body); else req.end();
  });
}
async function send(name, method, path, opts) {
  const res = await request(method, `/api/v1${path}`, opts);
  note(name, res.status, res.ms, res.text);
  return res;
}
const json = (res) => { try { return JSON.parse(res.text); } catch { return null; } };

// ---------------------------------------------------------------------------------------------
// The attacker's own account, session and drafts (made through the API like anyone's).
const PASSWORD = 'Attacker-Password-' + randomBytes(4).toString('hex');
const drafts = { award: [], cases: [] };
async function setup() {
  const email = `attacker-${Date.now()}-${randomBytes(3).toString('hex')}@bench.example`;
  const reg = await request('POST', '/api/v1/accounts', { body: JSON.stringify({
    email, password: PASSWORD, contact_name: 'Mallory', phone: '+86 10 6278 0000',
    organization: { name_zh: '攻击者', name_en: 'Attacker Ltd', type: 'enterprise', country: 'CN', overseas: false } }) });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${reg.text}`);
  const login = await request('POST', '/api/v1/session', { body: JSON.stringify({ email, password: PASSWORD }) });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${login.text}`);
  cookie = [].concat(login.headers['set-cookie'] || []).map((c) => c.split(';')[0]).join('; ');
  csrf = json(login).csrf_token;
  drafts.award.push(await newDraft('leading-tech-2025', 'basic-research'));
  drafts.cases.push(await newDraft('practice-cases-2025', 'digital-economy'));
}
async function newDraft(call, category) {
  const res = await request('POST', `/api/v1/calls/${call}/submissions`, {
    body: JSON.stringify({ category, fields: { title_en: 'Attacker draft' } }) });
  if (res.status !== 201) throw new Error(`new draft in ${call}: ${res.status} ${res.text}`);
  return json(res).id;
}

// ---------------------------------------------------------------------------------------------
// 1. Deeply nested JSON (built once: the attacker's own CPU is not the point).
const nestedObjects = '{"email":"x@example.org","organization":' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) + '}';
const nestedArrays = '{"email":"x@example.org","organization":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
async function nested() {
  for (let i = 0; !stopping; i++) await send('nested', 'POST', '/accounts', { body: i % 2 ? nestedArrays : nestedObjects });
}

// 2. Unknown field keys, a fresh random set of N each time (N from 1 to 20,000, log-uniform).
async function unknownKeys() {
  while (!stopping) {
    const n = Math.max(1, Math.round(Math.exp(Math.random() * Math.log(20_000))));
    const fields = {};
    for (let i = 0; i < n; i++) fields['k' + randomBytes(6).toString('hex')] = 'x';
    await send('unknown-keys', 'PATCH', `/submissions/${drafts.award[0]}`, { body: JSON.stringify({ fields }) });
  }
}

// 7. Large drafts: hundreds of unknown criterion slugs × 1,000 characters.
async function largeDraft() {
  const text = 'x'.repeat(1000);
  while (!stopping) {
    const criteria = {};
    for (let i = 0; i < 300; i++) criteria['slug-' + randomBytes(5).toString('hex')] = text;
    await send('large-draft', 'PATCH', `/submissions/${drafts.award[0]}`, { body: JSON.stringify({ fields: { criteria } }) });
  }
}

// 3. and 4. tus uploads. An upload is POST + one PATCH with the whole body.
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
async function upload(name, submission, kind, filename, bytes) {
  const create = await request('POST', '/uploads/', { headers: {
    'Tus-Resumable': '1.0.0', 'Upload-Length': String(bytes.length),
    'Upload-Metadata': `submission ${b64(submission)},kind ${b64(kind)},filename ${b64(filename)}` } });
  note(name, create.status, create.ms, create.text);
  if (create.status !== 201) return { create };
  const loc = create.headers.location;
  const path = /^https?:/.test(loc) ? new URL(loc).pathname : loc;
  const patch = await request('PATCH', path, { body: bytes, headers: {
    'Tus-Resumable': '1.0.0', 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': '0' } });
  note(name, patch.status, patch.ms, patch.text);
  return { create, patch, material: patch.headers['laurel-material'] };
}
function fakeMp4() {
  const b = randomBytes(256 * 1024);
  // An 'ftyp' box (isom, compatible mp42) as an MP4 starts, then garbage: libmagic says video/mp4.
  Buffer.from('00000018667479706973656d0000020069736f6d6d703432', 'hex').copy(b, 0);
  return b;
}
async function fakeVideo() {
  while (!stopping) {
    const r = await upload('fake-video', drafts.cases.at(-1), 'video', 'clip.mp4', fakeMp4());
    // Refused for the entry's limits (422/413): start another entry, as an attacker would.
    if (r.create.status === 422 || r.create.status === 413) drafts.cases.push(await newDraft('practice-cases-2025', 'digital-economy'));
  }
}
async function deleteRace() {
  const pdf = pdfBytes();
  while (!stopping) {
    const r = await upload('delete-race-upload', drafts.award.at(-1), 'document', 'evidence.pdf', pdf);
    if (r.create.status === 422 || r.create.status === 413) { drafts.award.push(await newDraft('leading-tech-2025', 'basic-research')); continue; }
    if (!r.material) { await sleep(100); continue; }
    await Promise.all(Array.from({ length: 8 }, () => send('delete-race', 'DELETE', `/materials/${r.material}`)));
  }
}

// 6. Wrong-password floods. XFF carries the client address (the server trusts 127.0.0.1).
const randomAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
async function loginStream(name, email, address) {
  while (!stopping) {
    const body = JSON.stringify({ email: email(), password: 'wrong-' + randomBytes(6).toString('hex') });
    // No session cookie: a stranger.
    const res = await request('POST', '/api/v1/session', { body, headers: { 'X-Forwarded-For': address(), Cookie: '' } });
    note(name, res.status, res.ms, res.text);
  }
}
function logins() {
  const randomEmail = () => `nobody-${randomBytes(5).toString('hex')}@bench.example`;
  const streams = [];
  for (let i = 0; i < LOGIN_PARALLEL; i++) {
    streams.push(loginStream('login-organiser', () => ORGANISER, randomAddress));
    streams.push(loginStream('login-random-one-address', randomEmail, () => '198.51.100.7'));
    streams.push(loginStream('login-random-addresses', randomEmail, randomAddress));
  }
  return Promise.all(streams);
}

// 5. Idle and half-open connections.
const idle = { attempted: 0, connected: 0, refused_503: 0, closed_by_server: 0, connect_errors: 0, open: 0, max_open: 0,
  by_address: {} };
const sockets = new Set();
function holdOne(address, partial) {
  if (stopping) return;
  idle.attempted++;
  const a = (idle.by_address[address] ||= { attempted: 0, refused_503: 0, max_open: 0, open: 0 });
  a.attempted++;
  const s = net.connect({ host: HOST, port: PORT, localAddress: address });
  sockets.add(s);
  let connected = false, refused = false;
  s.on('connect', () => {
    connected = true;
    idle.connected++;
    idle.open++; a.open++;
    idle.max_open = Math.max(idle.max_open, idle.open);
    a.max_open = Math.max(a.max_open, a.open);
    if (partial) s.write('GET /calls/leading-tech-2025 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
  });
  s.on('data', (d) => {
    if (!refused && d.toString('latin1').startsWith('HTTP/1.1 503')) { refused = true; idle.refused_503++; a.refused_503++; }
  });
  s.on('error', () => { if (!connected) idle.connect_errors++; });
  s.on('close', () => {
    sockets.delete(s);
    if (connected) { idle.open--; a.open--; if (!refused && !stopping) idle.closed_by_server++; }
    // Come back (a refused or closed one after a pause, as a flood would).
    if (!stopping) setTimeout(() => holdOne(address, partial), refused || !connected ? 250 : 50);
  });
}
async function idleFlood() {
  // Ramp up at about 1,000 connections a second per address.
  for (let i = 0; i < IDLE_PER_ADDRESS && !stopping; i++) {
    for (const address of IDLE_ADDRESSES) holdOne(address, i % 2 === 1);
    if (i % 50 === 49) await sleep(50);
  }
}

// A newcomer: a fresh connection from 127.0.0.1, GET the call page.
async function probe() {
  while (!stopping) {
    const res = await request('GET', '/calls/leading-tech-2025', { fresh: true, timeoutMs: 10_000 });
    note('probe', res.status, res.ms, res.status === 200 ? '' : res.text);
    await sleep(500);
  }
}

// ---------------------------------------------------------------------------------------------
function report() {
  const attacks = {};
  for (const [k, s] of Object.entries(stats)) {
    attacks[k] = { sent: s.sent, statuses: s.statuses, socket_errors: s.socket_errors,
      mean_ms: s.sent ? +(s.total_ms / s.sent).toFixed(1) : 0, max_ms: +s.max_ms.toFixed(1), samples: s.samples };
  }
  const cpu = process.cpuUsage();
  return { seconds: +((Date.now() - started) / 1000).toFixed(1), attacks,
    idle: { ...idle, addresses: IDLE_ADDRESSES, per_address: IDLE_PER_ADDRESS, open_at_stop: idle.open },
    drafts_used: { award: drafts.award.length, cases: drafts.cases.length },
    attacker_cpu_s: +((cpu.user + cpu.system) / 1e6).toFixed(1) };
}
let loops = [];
async function stop() {
  if (stopping) return;
  stopping = true;
  const r = report();
  for (const s of sockets) s.destroy();
  agent.destroy();
  writeFileSync(out, JSON.stringify(r, null, 2) + '\n');
  await Promise.race([Promise.allSettled(loops), sleep(2000)]);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

try {
  await setup();
} catch (e) {
  console.error(`attacker: setup failed: ${e.message}`);
  process.exit(1);
}
const run = { nested, 'unknown-keys': unknownKeys, 'fake-video': fakeVideo, 'delete-race': deleteRace, logins,
  'large-draft': largeDraft, idle: idleFlood, probe };
for (const a of ATTACKS) {
  if (!run[a]) { console.error(`attacker: unknown attack ${a}`); process.exit(2); }
  loops.push(run[a]().catch((e) => { console.error(`attacker: ${a} stopped: ${e.stack}`); }));
}
console.log('READY');
