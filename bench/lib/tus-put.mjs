// One tus upload to a running Laurel, timed, with the server's memory sampled from /proc.
// Node built-ins only.
//
//   node bench/lib/tus-put.mjs upload BASE_URL FILE [SERVER_PID]
//       Registers a new applicant, logs in, creates a practice-case entry (first category of
//       practice-cases-2025), then POST /uploads/ (kind video, Upload-Length = the file's size)
//       and ONE PATCH streaming the whole file from disk. Times the POST to the final 204.
//       With SERVER_PID, reads VmRSS/VmHWM of the server before the POST (idle) and every
//       INTERVAL_MS (default 100) until the 204 (upload), then until the material leaves
//       `processing` (processing). Waits at most WAIT_S seconds (default 120) for that.
//   node bench/lib/tus-put.mjs sink FILE
//       The same streaming PATCH to a Node server (in a worker thread) that discards the body:
//       the ceiling of this client over loopback.
//
// Prints one line `RESULT {json}`; exits 1 (after printing RESULT with "error") when the
// server answers something the contract (docs/uploads.md) does not allow.
import http from 'node:http';
import { createReadStream, statSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { basename } from 'node:path';

const [mode, ...args] = process.argv.slice(2);
const CHUNK = Number(process.env.CHUNK || 1 << 20);
const INTERVAL_MS = Number(process.env.INTERVAL_MS || 100);
const WAIT_S = Number(process.env.WAIT_S || 120);
const CALL = process.env.CALL || 'practice-cases-2025';
const PASSWORD = 'Bench-Uploads-2025-pass';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const now = () => performance.now();

class Failure extends Error {}

/** A request with a small body (or none); resolves { status, headers, text, json }. */
function request(base, method, path, { headers = {}, body } = {}) {
  const url = new URL(path, base);
  const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const h = { ...headers };
  if (data) {
    h['Content-Length'] = data.length;
    if (typeof body !== 'string' && !h['Content-Type']) h['Content-Type'] = 'application/json';
  } else if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) {
    h['Content-Length'] = 0;
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers: h, agent }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json, method, path });
      });
    });
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
    req.end(data);
  });
}

function describe(r) {
  const hs = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join('\n  ');
  return `${r.method} ${r.path} -> ${r.status}\n  ${hs}\n  ${r.text.slice(0, 500)}`;
}
function expect(r, status, what) {
  if (r.status !== status) throw new Failure(`${what}: expected ${status}\n${describe(r)}`);
  return r;
}

/** Stream FILE as the body of one PATCH; resolves { status, headers, text, ms_body_sent }. */
function streamPatch(url, file, size, headers) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    let sentMs = null;
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname, method: 'PATCH', agent,
      headers: { ...headers, 'Content-Type': 'application/offset+octet-stream', 'Content-Length': size },
    }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({
        status: res.statusCode, headers: res.headers, text: Buffer.concat(parts).toString('utf8'),
        method: 'PATCH', path: url.pathname, body_sent_ms: sentMs,
      }));
    });
    req.on('error', reject);
    req.setTimeout(600_000, () => req.destroy(new Error('PATCH: nothing for 600 s')));
    const src = createReadStream(file, { highWaterMark: CHUNK });
    src.on('error', reject);
    src.on('end', () => { sentMs = now() - t0; });
    src.pipe(req);
  });
}

/** VmRSS / VmHWM of a process, KiB. */
function memOf(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k) => Number((new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s) || [])[1]);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

/** Samples VmRSS every INTERVAL_MS into the current phase. */
class Sampler {
  constructor(pid) {
    this.pid = pid;
    this.phases = {};
    this.phase = null;
    if (pid) this.timer = setInterval(() => this.sample(), INTERVAL_MS);
  }
  sample() {
    if (!this.phase) return;
    let m;
    try { m = memOf(this.pid); } catch { return; }  // the server is gone: the caller will notice
    const p = (this.phases[this.phase] ||= { samples: 0, peak_rss_kib: 0 });
    p.samples += 1;
    p.peak_rss_kib = Math.max(p.peak_rss_kib, m.rss);
  }
  enter(name) { this.sample(); this.phase = name; this.sample(); }
  stop() { this.sample(); this.phase = null; clearInterval(this.timer); }
}

function cookieFrom(res) {
  const list = res.headers['set-cookie'] || [];
  return list.map((c) => c.split(';')[0]).filter((c) => !/=$/.test(c) && !/=""$/.test(c)).join('; ');
}

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');

async function upload(base, file, pid) {
  const size = statSync(file).size;
  const out = { file: basename(file), bytes: size, warnings: [] };
  const warn = (w) => out.warnings.push(w);

  // An applicant, a session and an entry of their own.
  const email = `bench-${process.pid}-${Date.now()}@bench.example`;
  expect(await request(base, 'POST', '/api/v1/accounts', { body: {
    email, password: PASSWORD, contact_name: 'Bench Uploader', phone: '+86 10 6278 0000',
    organization: { name_zh: '基准测试大学', name_en: 'Benchmark University', type: 'university', country: 'CN', overseas: false },
  } }), 201, 'register');
  const login = expect(await request(base, 'POST', '/api/v1/session', { body: { email, password: PASSWORD } }), 200, 'login');
  const cookie = cookieFrom(login);
  const csrf = login.json && login.json.csrf_token;
  if (!cookie || !csrf) throw new Failure(`login: no session cookie or csrf_token\n${describe(login)}`);
  const auth = { Cookie: cookie, 'X-CSRF-Token': csrf };
  const call = expect(await request(base, 'GET', `/api/v1/calls/${CALL}`, { headers: auth }), 200, 'call').json;
  const category = call.categories[0].slug;
  const entry = expect(await request(base, 'POST', `/api/v1/calls/${CALL}/submissions`, {
    headers: auth, body: { category, fields: {} } }), 201, 'create entry').json.id;
  out.entry = entry;

  // The server's tus capabilities.
  const opt = expect(await request(base, 'OPTIONS', '/uploads/'), 204, 'OPTIONS /uploads/');
  if (!/\b1\.0\.0\b/.test(opt.headers['tus-version'] || '')) throw new Failure(`OPTIONS: no Tus-Version 1.0.0\n${describe(opt)}`);
  out.tus_max_size = Number(opt.headers['tus-max-size']);
  if (out.tus_max_size && size > out.tus_max_size) throw new Failure(`the file (${size} bytes) is over Tus-Max-Size ${out.tus_max_size}`);

  const tus = { 'Tus-Resumable': '1.0.0', ...auth };
  const sampler = new Sampler(pid);
  if (pid) {
    const idle = memOf(pid);
    out.idle_rss_kib = idle.rss;
    out.idle_hwm_kib = idle.hwm;
  }

  // The measured part: POST … final 204.
  sampler.enter('upload');
  const t0 = now();
  const created = expect(await request(base, 'POST', '/uploads/', { headers: {
    ...tus, 'Upload-Length': String(size),
    'Upload-Metadata': `submission ${b64(entry)},kind ${b64('video')},filename ${b64(basename(file))}`,
  } }), 201, 'POST /uploads/');
  const location = created.headers.location;
  if (!location) throw new Failure(`POST /uploads/: no Location\n${describe(created)}`);
  if (!created.headers['upload-expires']) warn('POST /uploads/ 201 has no Upload-Expires');
  if (created.headers['tus-resumable'] !== '1.0.0') warn('POST /uploads/ 201 has no Tus-Resumable: 1.0.0');
  const uploadUrl = new URL(location, base);
  const tPatch = now();
  const done = await streamPatch(uploadUrl, file, size, { ...tus, 'Upload-Offset': '0' });
  const t1 = now();
  sampler.enter('processing');
  expect(done, 204, 'PATCH (the whole file)');
  if (Number(done.headers['upload-offset']) !== size) {
    throw new Failure(`PATCH 204 with Upload-Offset ${done.headers['upload-offset']}, not ${size}\n${describe(done)}`);
  }
  if (done.headers['tus-resumable'] !== '1.0.0') warn('PATCH 204 has no Tus-Resumable: 1.0.0');
  out.material = done.headers['laurel-material'] || null;
  if (!out.material) throw new Failure(`the last PATCH has no Laurel-Material\n${describe(done)}`);
  out.upload_ms = +(t1 - t0).toFixed(1);
  out.post_ms = +(tPatch - t0).toFixed(1);
  out.patch_ms = +(t1 - tPatch).toFixed(1);
  out.body_sent_ms = done.body_sent_ms === null ? null : +done.body_sent_ms.toFixed(1);
  out.mb_s = +(size / 1e6 / ((t1 - t0) / 1000)).toFixed(1);

  // The material, until it leaves `processing`.
  const tWait = now();
  let m = null;
  for (;;) {
    const r = expect(await request(base, 'GET', `/api/v1/submissions/${entry}`, { headers: auth }), 200, 'GET the entry');
    m = (r.json.materials || []).find((x) => x.id === out.material);
    if (!m) throw new Failure(`material ${out.material} is not in the entry's materials\n${describe(r)}`);
    if (m.status !== 'processing' || now() - tWait > WAIT_S * 1000) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  sampler.stop();
  out.processing_ms = Math.round(now() - tWait);
  out.material_status = m.status;
  out.material_error = m.error ?? null;
  out.material_size = m.size;
  out.material_sha256 = m.sha256 ?? null;
  out.content_type = m.content_type ?? null;
  out.width = m.width ?? null;
  out.height = m.height ?? null;
  out.duration = m.duration ?? null;
  if (m.size !== size) warn(`material size ${m.size}, uploaded ${size}`);
  if (pid) {
    const end = memOf(pid);
    out.upload_peak_rss_kib = sampler.phases.upload ? sampler.phases.upload.peak_rss_kib : null;
    out.upload_samples = sampler.phases.upload ? sampler.phases.upload.samples : 0;
    out.processing_peak_rss_kib = sampler.phases.processing ? sampler.phases.processing.peak_rss_kib : null;
    out.end_rss_kib = end.rss;
    out.end_hwm_kib = end.hwm;
  }
  return out;
}

/** The ceiling of this client: the same PATCH to a Node server that throws the body away. */
async function sink(file) {
  const size = statSync(file).size;
  const worker = new Worker(`
    const http = require('node:http');
    const { parentPort } = require('node:worker_threads');
    const s = http.createServer((req, res) => {
      let n = 0;
      req.on('data', (d) => { n += d.length; });
      req.on('end', () => { res.writeHead(204, { 'Upload-Offset': String(n) }); res.end(); });
    });
    s.listen(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));
    parentPort.on('message', () => s.close(() => process.exit(0)));
  `, { eval: true });
  const port = await new Promise((res) => worker.once('message', res));
  const t0 = now();
  const r = await streamPatch(new URL(`http://127.0.0.1:${port}/uploads/sink`), file, size, { 'Tus-Resumable': '1.0.0', 'Upload-Offset': '0' });
  const ms = now() - t0;
  worker.postMessage('stop');
  await new Promise((res) => worker.once('exit', res));
  if (r.status !== 204 || Number(r.headers['upload-offset']) !== size) throw new Failure(`sink: ${r.status} offset ${r.headers['upload-offset']}`);
  return { bytes: size, upload_ms: +ms.toFixed(1), mb_s: +(size / 1e6 / (ms / 1000)).toFixed(1) };
}

try {
  let result;
  if (mode === 'upload' && args.length >= 2) result = await upload(args[0], args[1], args[2] ? Number(args[2]) : null);
  else if (mode === 'sink' && args.length >= 1) result = await sink(args[0]);
  else {
    console.error('usage: tus-put.mjs upload BASE_URL FILE [SERVER_PID] | sink FILE');
    process.exit(2);
  }
  console.log('RESULT ' + JSON.stringify(result));
  agent.destroy();
} catch (e) {
  console.log('RESULT ' + JSON.stringify({ error: e.message }));
  console.error(`tus-put: ${e instanceof Failure ? '' : 'error: '}${e.message}`);
  process.exit(1);
}
