// Shared helpers for the HTTP test suite (run with `node --test tests/http/`).
// Only Node built-ins; works on Node 18.19 and Node 20.
//
// startServer() prepares a fresh SQLite database in a temp dir (migrate, load-calls,
// admin user), spawns `laurel serve --listen 127.0.0.1:0 --demo`, and waits for
// "listening on http://127.0.0.1:PORT" on its stdout.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.LAUREL_BIN || join(REPO, 'build', 'laurel');
export const CALLS_FILE = join(REPO, 'calls', 'wic-2025.toml');
export const ADMIN_EMAIL = 'admin@example.org';
export const ADMIN_PASSWORD = 'Organiser-2025-pass';
export const APPLICANT_PASSWORD = 'Applicant-2025-pass';

export const AWARD = 'leading-tech-2025';
export const CASE = 'practice-cases-2025';
export const APPLICANT_TYPES = [
  'government', 'international-organization', 'social-organization', 'research-institution',
  'university', 'technical-community', 'enterprise', 'innovation-team', 'think-tank',
];
export const RECEIPT_RE = /^(LT25|PC25)-[A-Z]{2}-\d{4}$/;

const LISTEN_RE = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
const STARTUP_TIMEOUT_MS = 20_000;
const COMMAND_TIMEOUT_MS = 60_000;

function runCli(args, input) {
  const r = spawnSync(BIN, args, {
    cwd: REPO,
    input: input ?? '',
    encoding: 'utf8',
    timeout: COMMAND_TIMEOUT_MS,
  });
  if (r.error) {
    const hint = r.error.code === 'ENOENT'
      ? ` (binary not found: set LAUREL_BIN or build ${join(REPO, 'build', 'laurel')})` : '';
    throw new Error(`laurel ${args.join(' ')} failed to run: ${r.error.message}${hint}`);
  }
  if (r.status !== 0) {
    throw new Error(
      `laurel ${args.join(' ')} exited with ${r.status ?? r.signal}\n` +
      `--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
  return r;
}

/**
 * A fresh, empty database for one server: SQLite in `tmp`, or — when LAUREL_TEST_PG holds the URL
 * of a PostgreSQL cluster's maintenance database (.ci/run starts one) — a new database there.
 */
export function freshDatabase(tmp) {
  const admin = process.env.LAUREL_TEST_PG;
  if (!admin) return `sqlite:${join(tmp, 'laurel.db')}`;
  const name = 'laurel_test_' + Math.random().toString(36).slice(2, 10);
  const r = spawnSync('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot create a test database on ${admin}: ${r.stderr || r.error}`);
  const u = new URL(admin);
  u.pathname = '/' + name;
  return u.toString();
}

/** Drops a database made by freshDatabase (nothing to do for SQLite: its file goes with tmp). */
export function dropDatabase(db) {
  const admin = process.env.LAUREL_TEST_PG;
  if (!admin || !db.startsWith('postgres')) return;
  const name = new URL(db).pathname.slice(1);
  spawnSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { encoding: 'utf8' });
}

/**
 * Start a fresh server. Returns { url, port, db, tmp, files, logs(), alive(), stop(), kill9(),
 * restart(), client() }.
 * opts.extraArgs: more arguments for `laurel serve` (e.g. ['--upload-expiry', '2']);
 * opts.wrap: a command that execs the server (e.g. ['prlimit', '--nofile=160:160', '--']);
 * opts.keepTmp: stop() leaves the temp dir (database and files) in place.
 * kill9() kills the server with SIGKILL; restart() starts it again (after a kill9(), or killing
 * it first) on the same database and files directory — url and port change, so make new clients.
 */
export async function startServer(opts = {}) {
  const extraArgs = opts.extraArgs || [];
  const wrap = opts.wrap || [];
  const keepTmp = !!opts.keepTmp;
  if (!existsSync(BIN)) {
    throw new Error(`laurel binary not found at ${BIN} (set LAUREL_BIN)`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'laurel-http-'));
  const db = freshDatabase(tmp);
  const files = join(tmp, 'files');
  const dbArgs = ['--database', db, '--files', files];
  try {
    runCli([...dbArgs, 'migrate']);
    runCli([...dbArgs, 'load-calls', CALLS_FILE]);
    runCli([...dbArgs, 'user', 'add', '--role', 'admin', '--email', ADMIN_EMAIL,
      '--password-stdin'], ADMIN_PASSWORD + '\n');
  } catch (e) {
    dropDatabase(db);
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }

  // Keep draining both pipes for the whole life of the server (a full pipe would block it);
  // keep only the tail for diagnostics.
  let stdout = '';
  let stderr = '';
  const keep = (s) => (s.length > 64 * 1024 ? s.slice(-64 * 1024) : s);
  let child = null;
  const killOnExit = () => { try { child?.kill('SIGKILL'); } catch { /* gone */ } };
  process.on('exit', killOnExit);

  async function launch() {
    stdout = keep(stdout + '\n--- (re)start ---\n');
    const argv = [...dbArgs, 'serve', '--listen', '127.0.0.1:0', '--demo', ...extraArgs];
    child = wrap.length ? spawn(wrap[0], [...wrap.slice(1), BIN, ...argv], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(BIN, argv, {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const me = child;
    me.stdout.setEncoding('utf8');
    me.stderr.setEncoding('utf8');
    let seen = '';
    return new Promise((resolveUrl, reject) => {
      let done = false;
      const finish = (err, value) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) reject(err); else resolveUrl(value);
      };
      const timer = setTimeout(() => finish(new Error(
        `laurel serve did not print "listening on http://127.0.0.1:PORT" within ` +
        `${STARTUP_TIMEOUT_MS / 1000} s\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`)),
      STARTUP_TIMEOUT_MS);
      me.stdout.on('data', (d) => {
        stdout = keep(stdout + d);
        seen += d;
        const m = LISTEN_RE.exec(seen);
        if (m) finish(null, m[1]);
      });
      me.stderr.on('data', (d) => { stderr = keep(stderr + d); });
      me.on('error', (e) => finish(new Error(`laurel serve failed to start: ${e.message}`)));
      me.on('exit', (code, signal) => finish(new Error(
        `laurel serve exited early (${code ?? signal})\n--- stdout ---\n${stdout}\n` +
        `--- stderr ---\n${stderr}`)));
    });
  }

  const running = () => child && child.exitCode === null && child.signalCode === null;

  async function kill9() {
    if (running()) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  }

  const server = {
    url: null,
    host: '127.0.0.1',
    port: 0,
    db,
    tmp,
    files,
    dbArgs,
    logs: () => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
    alive: () => !!running(),
    exitStatus: () => child.exitCode ?? child.signalCode,
    kill9,
    pid: () => child.pid,
    signal: (sig) => child.kill(sig),
    waitExit: () => (running() ? new Promise((r) => child.once('exit', (code, sig) => r(code ?? sig))) : Promise.resolve(child.exitCode ?? child.signalCode)),
    async restart() {
      await kill9();
      server.url = await launch();
      server.port = Number(new URL(server.url).port);
      return server;
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (running()) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
        await exited;
        clearTimeout(t);
      }
      if (!keepTmp) {
        dropDatabase(db);
        rmSync(tmp, { recursive: true, force: true });
      }
    },
    client: () => new Client(server.url),
  };

  try {
    server.url = await launch();
  } catch (e) {
    killOnExit();
    process.removeListener('exit', killOnExit);
    dropDatabase(db);
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  server.port = Number(new URL(server.url).port);
  return server;
}

// ---------------------------------------------------------------------------------------
// Cookies

/** Split a combined Set-Cookie header ("a=1; Path=/, b=2; Expires=Wed, 21 Oct ...") */
export function splitSetCookie(header) {
  if (!header) return [];
  return header.split(/,(?=\s*[A-Za-z0-9_\-.!#$%&'*+^`|~]+=)/).map((s) => s.trim()).filter(Boolean);
}

/** Parse one Set-Cookie string into { name, value, attrs: {lowercased: value|true} } */
export function parseSetCookie(str) {
  const parts = str.split(';').map((s) => s.trim());
  const first = parts.shift();
  const eq = first.indexOf('=');
  const name = first.slice(0, eq).trim();
  const value = first.slice(eq + 1).trim();
  const attrs = {};
  for (const p of parts) {
    if (!p) continue;
    const i = p.indexOf('=');
    if (i < 0) attrs[p.toLowerCase()] = true;
    else attrs[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim();
  }
  return { name, value, attrs };
}

// ---------------------------------------------------------------------------------------
// Client

/**
 * A tiny HTTP client that keeps cookies (laurel_session, laurel_lang, …), remembers the
 * CSRF token from POST /api/v1/session and sends it on POST/PATCH/DELETE.
 */
export class Client {
  constructor(base) {
    this.base = base;
    this.cookies = new Map();
    this.csrf = null;
    this.lastSetCookies = [];
    this.user = null;
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  absorbCookies(res) {
    const list = splitSetCookie(res.headers.get('set-cookie')).map(parseSetCookie);
    this.lastSetCookies = list;
    for (const c of list) {
      const expired = c.attrs['max-age'] !== undefined && Number(c.attrs['max-age']) <= 0;
      const past = typeof c.attrs.expires === 'string' && Date.parse(c.attrs.expires) < Date.now();
      if (c.value === '' || c.value === '""' || expired || past) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
  }

  /**
   * Raw request to any path on the server. Returns
   * { status, headers, text, body (parsed JSON or null), bytes (Uint8Array) }.
   * opts: json, body, headers, csrf (true = send token on unsafe methods; a string = send
   * that token; false = send none), cookies (false = don't send cookies), signal.
   */
  async request(method, path, opts = {}) {
    const headers = { ...(opts.headers || {}) };
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['Content-Type'] = 'application/json';
      }
    }
    if (opts.cookies !== false && this.cookies.size > 0) headers.Cookie = this.cookieHeader();
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    const csrf = opts.csrf === undefined ? true : opts.csrf;
    if (unsafe && csrf !== false) {
      const token = typeof csrf === 'string' ? csrf : this.csrf;
      if (token) headers['X-CSRF-Token'] = token;
    }
    const res = await fetch(this.base + path, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: opts.signal,
    });
    this.absorbCookies(res);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
    return { status: res.status, headers: res.headers, text, body: parsed, bytes, method, path };
  }

  api(method, path, opts) { return this.request(method, '/api/v1' + path, opts); }
  get(path, opts) { return this.api('GET', path, opts); }
  post(path, json, opts = {}) { return this.api('POST', path, { ...opts, json }); }
  patch(path, json, opts = {}) { return this.api('PATCH', path, { ...opts, json }); }
  del(path, opts) { return this.api('DELETE', path, opts); }

  async login(email, password) {
    const res = await this.post('/session', { email, password });
    if (res.status === 200 && res.body) {
      this.csrf = res.body.csrf_token;
      this.user = res.body.user;
    }
    return res;
  }
}

// ---------------------------------------------------------------------------------------
// Assertions

function describeRes(res) {
  return `${res.method} ${res.path} -> ${res.status}: ${res.text.slice(0, 800)}`;
}

/** Assert the status; on mismatch the message shows the response. */
export function expectStatus(assert, res, status) {
  assert.equal(res.status, status, `expected ${status}; ${describeRes(res)}`);
}

/** Assert a JSON error response {"error":{"code","message"}} with status and code. */
export function expectError(assert, res, status, code) {
  expectStatus(assert, res, status);
  assert.ok(res.body && typeof res.body.error === 'object' && res.body.error !== null,
    `expected JSON error body; ${describeRes(res)}`);
  if (code !== undefined) {
    assert.equal(res.body.error.code, code, `expected error code ${code}; ${describeRes(res)}`);
  }
  assert.equal(typeof res.body.error.message, 'string', `error.message; ${describeRes(res)}`);
}

export function errorFields(res) {
  return (res.body && res.body.error && res.body.error.fields) || {};
}

// ---------------------------------------------------------------------------------------
// Accounts and entries

let counter = 0;
export function uniqueEmail(tag = 'user') {
  counter += 1;
  const rnd = Math.random().toString(36).slice(2, 8);
  return `${tag}-${process.pid}-${counter}-${rnd}@example.org`;
}

export function accountBody(overrides = {}) {
  const { organization: orgOverrides, ...rest } = overrides;
  return {
    email: uniqueEmail(),
    password: APPLICANT_PASSWORD,
    contact_name: 'Li Hua',
    phone: '+86 10 6278 0000',
    organization: {
      name_zh: '清华大学',
      name_en: 'Tsinghua University',
      type: 'university',
      country: 'CN',
      overseas: false,
      ...(orgOverrides || {}),
    },
    ...rest,
  };
}

/** Register a new applicant and log in. Returns a logged-in Client (with .email, .id). */
export async function newApplicant(server, overrides = {}) {
  const body = accountBody(overrides);
  const c = new Client(server.url);
  const reg = await c.post('/accounts', body);
  if (reg.status !== 201) throw new Error(`register failed: ${describeRes(reg)}`);
  const login = await c.login(body.email, body.password);
  if (login.status !== 200) throw new Error(`login failed: ${describeRes(login)}`);
  c.email = body.email;
  c.id = reg.body.id;
  return c;
}

export async function adminClient(server) {
  const c = new Client(server.url);
  const res = await c.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  if (res.status !== 200) throw new Error(`admin login failed: ${describeRes(res)}`);
  return c;
}

const callCache = new Map();
/** GET /api/v1/calls/{slug} (cached per server). */
export async function getCall(client, slug) {
  const key = `${client.base} ${slug}`;
  if (!callCache.has(key)) {
    const res = await client.get(`/calls/${slug}`);
    if (res.status !== 200) throw new Error(`GET call failed: ${describeRes(res)}`);
    callCache.set(key, res.body);
  }
  return callCache.get(key);
}

export function criteriaSlugs(call, categorySlug) {
  const cat = (call.categories || []).find((c) => c.slug === categorySlug);
  if (!cat) throw new Error(`category ${categorySlug} not in call ${call.slug}`);
  return (cat.criteria || []).map((c) => c.slug);
}

/** Fields of a complete, valid award entry for the category (criteria read from the call). */
export async function fullAwardFields(client, categorySlug, callSlug = AWARD) {
  const call = await getCall(client, callSlug);
  const criteria = {};
  for (const s of criteriaSlugs(call, categorySlug)) {
    criteria[s] = `Statement for ${s}: first published 2019, cited by peers. 关于${s}的说明。`;
  }
  return {
    title_zh: '面向大规模网络的新型路由理论',
    title_en: 'A new routing theory for very large networks',
    summary_zh: '本成果提出了一种新的路由理论，并在多个国家的网络中得到验证。',
    summary_en: 'This achievement proposes a new routing theory, validated in networks of several countries.',
    criteria,
    organizations: ['Tsinghua University'],
  };
}

/** Fields of a complete, valid practice case for the category. */
export async function fullCaseFields(client, categorySlug, callSlug = CASE) {
  const base = await fullAwardFields(client, categorySlug, callSlug);
  return {
    ...base,
    title_zh: '跨境数字丝路合作项目',
    title_en: 'Cross-border Digital Silk Road cooperation project',
    started_on: '2019-05-01',
    countries: ['CN', 'KE'],
    form: 'project',
  };
}

/** Create a draft; returns its id (throws unless 201). */
export async function createDraft(client, callSlug, category, fields) {
  const res = await client.post(`/calls/${callSlug}/submissions`, { category, fields });
  if (res.status !== 201) throw new Error(`create draft failed: ${describeRes(res)}`);
  return res.body.id;
}

export function receiptNumber(receipt) {
  return Number(receipt.slice(receipt.lastIndexOf('-') + 1));
}

// ---------------------------------------------------------------------------------------
// Call files

/** Format a Date as local "YYYY-MM-DD HH:MM:SS" at a fixed +08:00 offset (Asia/Shanghai). */
export function shanghaiLocal(date) {
  const d = new Date(date.getTime() + 8 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
export function shanghaiDate(date) { return shanghaiLocal(date).slice(0, 10); }

/** A complete single-category award call file (TOML text). */
export function callToml({
  slug, prefix = 'LX25', deadline, opens, kind = 'award', categorySlug = 'only', code = 'ON',
}) {
  const now = new Date();
  const o = opens || shanghaiLocal(new Date(now.getTime() - 86400_000)).slice(0, 16);
  const start = shanghaiDate(new Date(now.getTime() - 86400_000));
  const end = shanghaiDate(new Date(now.getTime() + 30 * 86400_000));
  const q = (s) => JSON.stringify(s);
  return [
    '[[call]]',
    `slug = ${q(slug)}`,
    `receipt_prefix = ${q(prefix)}`,
    `kind = ${q(kind)}`,
    'time_zone = "Asia/Shanghai"',
    `deadline = ${q(deadline)}`,
    `opens = ${q(o)}`,
    'website = "https://example.org/late-test"',
    `title = { zh = "测试征集 ${slug}", en = "Test call ${slug}" }`,
    'organiser = { zh = "测试主办方", en = "Test organiser" }',
    'summary = { zh = "用于测试的征集。", en = "A call used by the tests." }',
    'description = { zh = "第一段。\\n\\n第二段。", en = "First paragraph.\\n\\nSecond paragraph." }',
    'applicant_types = ["government", "international-organization", "social-organization",',
    '  "research-institution", "university", "technical-community", "enterprise",',
    '  "innovation-team", "think-tank"]',
    'fields = ["title", "summary", "criteria", "organizations"]',
    '',
    '[[call.stage]]',
    'slug = "application"',
    'title = { zh = "申报", en = "Application" }',
    'description = { zh = "提交申报材料。", en = "Submit the entries." }',
    `starts = ${q(start)}`,
    `ends = ${q(end)}`,
    '',
    '[[call.contact]]',
    'role = { zh = "活动咨询", en = "Enquiries" }',
    'name = { zh = "测试员", en = "Tester" }',
    'phone = "01000000000"',
    'email = "test@example.org"',
    '',
    '[[call.category]]',
    `slug = ${q(categorySlug)}`,
    `code = ${q(code)}`,
    'title = { zh = "唯一类别", en = "Only category" }',
    'description = { zh = "唯一的类别。", en = "The only category." }',
    '',
    '[[call.category.criterion]]',
    'slug = "merit"',
    'title = { zh = "价值", en = "Merit" }',
    'description = { zh = "成果的价值。", en = "The merit of the work." }',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------
// Raw sockets

/**
 * Open a TCP connection, write the chunks (ignoring write errors), optionally end it, and
 * resolve with everything received (as a Buffer) once the socket closes or after timeoutMs.
 */
export function rawExchange(host, port, chunks, { timeoutMs = 10_000, end = true } = {}) {
  return new Promise((resolveData) => {
    const received = [];
    const sock = net.connect({ host, port });
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      resolveData(Buffer.concat(received));
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('data', (d) => received.push(d));
    sock.on('error', () => { /* resets are expected with garbage */ });
    sock.on('close', finish);
    sock.on('connect', () => {
      for (const c of chunks) {
        if (sock.destroyed) break;
        sock.write(c);
      }
      if (end) sock.end();
    });
  });
}

/**
 * Send a request head, then its body in chunks, stopping as soon as the server answers
 * (a server may reject an oversized body from Content-Length alone and close). Resolves
 * with everything received.
 */
export function rawRequestWithBody(host, port, head, body, { timeoutMs = 15_000, chunk = 64 * 1024 } = {}) {
  return new Promise((resolveData) => {
    const received = [];
    const sock = net.connect({ host, port });
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      resolveData(Buffer.concat(received));
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('data', (d) => received.push(d));
    sock.on('error', () => { /* the server may close while we are still writing */ });
    sock.on('close', finish);
    const write = (data) => new Promise((r) => {
      if (sock.destroyed) { r(); return; }
      sock.write(data, () => r());
    });
    sock.on('connect', async () => {
      await write(head);
      // Give a server that checks Content-Length up front the chance to answer first.
      await new Promise((r) => setTimeout(r, 300));
      const buf = Buffer.from(body);
      for (let off = 0; off < buf.length; off += chunk) {
        if (received.length > 0 || sock.destroyed || finished) return;
        await write(buf.subarray(off, off + chunk));
      }
    });
  });
}

export function statusOfRaw(buf) {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.toString('latin1'));
  return m ? Number(m[1]) : null;
}

/** Parse a raw HTTP/1.x response: { status, headers (lowercased), body (string) }. */
export function parseRawResponse(buf) {
  const s = buf.toString('latin1');
  const sep = s.indexOf('\r\n\r\n');
  if (sep < 0) return { status: statusOfRaw(buf), headers: {}, body: '' };
  const lines = s.slice(0, sep).split('\r\n');
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let rest = buf.subarray(Buffer.byteLength(s.slice(0, sep + 4), 'latin1'));
  if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const parts = [];
    let off = 0;
    for (;;) {
      const nl = rest.indexOf('\r\n', off);
      if (nl < 0) break;
      const size = parseInt(rest.subarray(off, nl).toString('latin1'), 16);
      if (!size) break;
      parts.push(rest.subarray(nl + 2, nl + 2 + size));
      off = nl + 2 + size + 2;
    }
    rest = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    rest = rest.subarray(0, Number(headers['content-length']));
  }
  return { status: statusOfRaw(buf), headers, body: rest.toString('utf8') };
}
