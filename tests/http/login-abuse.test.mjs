// Logins and registrations under abuse (issue 9, finding 6): attempts are counted before the
// password is checked, strangers cannot lock an owner out of their known device, limits per
// client address (behind a trusted proxy), and a bounded number of password hashes at once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import {
  startServer, Client, accountBody, expectStatus, expectError, APPLICANT_PASSWORD,
} from './harness.mjs';

async function register(server, headers = {}) {
  const body = accountBody();
  const res = await server.client().post('/accounts', body, { headers });
  expectStatus(assert, res, 201);
  return body;
}

/** The server process's pid: the one whose command line names its database. */
function serverPid(server) {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes(server.db) && cmd.includes('serve')) return Number(d);
    } catch { /* gone */ }
  }
  throw new Error('server process not found');
}

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]);
}

describe('login rate limits: accounts and known devices', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { if (server) await server.stop(); });

  it('a login sets a long-lived HttpOnly SameSite=Lax known-device cookie', async () => {
    const body = await register(server);
    const c = server.client();
    expectStatus(assert, await c.login(body.email, body.password), 200);
    const dev = c.lastSetCookies.find((x) => x.name === 'laurel_device');
    assert.ok(dev, 'laurel_device set');
    assert.ok(dev.attrs.httponly, 'HttpOnly');
    assert.equal(String(dev.attrs.samesite).toLowerCase(), 'lax');
    assert.ok(Number(dev.attrs['max-age']) >= 180 * 86400, `long-lived: ${dev.attrs['max-age']}`);
  });

  it("a stranger's failed logins lock strangers out, not the owner on their known device", async () => {
    const body = await register(server);
    const owner = server.client();
    expectStatus(assert, await owner.login(body.email, body.password), 200);
    expectStatus(assert, await owner.del('/session'), 204);
    assert.ok(owner.cookies.has('laurel_device'));

    const stranger = server.client();
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await stranger.login(body.email, `wrong-guess-${i}-xx`)).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401), statuses.join(','));
    assert.deepEqual(statuses.slice(10), [429, 429], statuses.join(','));
    const locked = await stranger.login(body.email, body.password);
    expectError(assert, locked, 429, 'too_many_attempts');
    assert.ok(Number(locked.headers.get('retry-after')) > 0, 'Retry-After');

    // The owner's browser still gets in, by the API and by the login form.
    expectStatus(assert, await owner.login(body.email, body.password), 200);
    const form = server.client();
    form.cookies.set('laurel_device', owner.cookies.get('laurel_device'));
    const page = await form.request('GET', '/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)[1];
    const res = await form.request('POST', '/login', {
      body: new URLSearchParams({ _csrf: csrf, email: body.email, password: body.password, next: '/entries' }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expectStatus(assert, res, 303);
    assert.ok(form.cookies.has('laurel_session'));
  });

  it("another account's known-device cookie does not lift the stranger lockout", async () => {
    const mine = await register(server);
    const victim = await register(server);
    const attacker = server.client();
    expectStatus(assert, await attacker.login(mine.email, mine.password), 200);  // a device known to *mine*
    for (let i = 0; i < 10; i++) expectStatus(assert, await server.client().login(victim.email, `nope-${i}-nope`), 401);
    expectError(assert, await attacker.login(victim.email, `still-wrong-1`), 429, 'too_many_attempts');
  });

  it('200 parallel wrong logins for one account get at most 10 password checks', async () => {
    const body = await register(server);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => server.client().login(body.email, `parallel-wrong-${i}`)));
    const count = (s) => results.filter((r) => r.status === s).length;
    const checked = count(401);
    assert.ok(checked >= 1 && checked <= 10, `401 answers (password checks): ${checked}`);
    assert.equal(checked + count(429), 200, `only 401 and 429: ${[...new Set(results.map((r) => r.status))]}`);
    for (const r of results.filter((x) => x.status === 429)) {
      assert.equal(r.body.error.code, 'too_many_attempts');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
    }
    // Refusals for want of a free hash (busy) give their attempt back; the checks that ran count.
    // Sequential wrong logins now reach exactly 10 checks in all, then the account is locked for
    // strangers: no 11th check, not even with the right password.
    let more = 0;
    for (;;) {
      const r = await server.client().login(body.email, `sequential-wrong-${more}`);
      if (r.status === 429) break;
      expectStatus(assert, r, 401);
      more += 1;
      assert.ok(checked + more <= 10, `more than 10 checks: ${checked} + ${more}`);
    }
    assert.equal(checked + more, 10, `checks in all: ${checked} in the burst + ${more} after`);
    expectError(assert, await server.client().login(body.email, body.password), 429, 'too_many_attempts');
  });

  it('a success gives back its attempt: 9 failures, a success, then 10 more failures before the lockout', async () => {
    const body = await register(server);
    const c = () => server.client();
    for (let i = 0; i < 9; i++) expectStatus(assert, await c().login(body.email, `bad-${i}-password`), 401);
    expectStatus(assert, await c().login(body.email, body.password), 200);
    for (let i = 0; i < 10; i++) expectStatus(assert, await c().login(body.email, `bad2-${i}-password`), 401);
    expectStatus(assert, await c().login(body.email, 'bad3-password'), 429);
  });
});

describe('limits per client address (behind a trusted proxy)', () => {
  let server;
  before(async () => { server = await startServer({ extraArgs: ['--trusted-proxy', '127.0.0.1'] }); });
  after(async () => { if (server) await server.stop(); });

  it('30 failed logins from one address, on any accounts, then 429; another address is not affected', async () => {
    const from = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
    const statuses = [];
    for (let i = 0; i < 31; i += 2) {
      const batch = [i, i + 1].filter((k) => k < 31).map((k) =>
        new Client(server.url).post('/session', { email: `nobody-${k}@example.org`, password: 'wrong-password' }, from('203.0.113.7')));
      for (const r of await Promise.all(batch)) statuses.push(r.status);
    }
    assert.equal(statuses.filter((s) => s === 401).length, 30, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 1, statuses.join(','));
    // What a client writes itself in X-Forwarded-For is not believed: the proxy's last hop counts.
    const spoofed = await new Client(server.url).post('/session', { email: 'x@example.org', password: 'wrong-password' },
      from('198.18.0.1, 203.0.113.7'));
    expectError(assert, spoofed, 429, 'too_many_attempts');
    const other = await new Client(server.url).post('/session', { email: 'x@example.org', password: 'wrong-password' },
      from('203.0.113.8'));
    expectError(assert, other, 401, 'invalid_credentials');
  });

  it("the owner's known device gets in from a blocked address", async () => {
    const body = await register(server, { 'X-Forwarded-For': '192.0.2.50' });
    const owner = server.client();
    const from = { headers: { 'X-Forwarded-For': '192.0.2.44' } };
    expectStatus(assert, await owner.post('/session', { email: body.email, password: body.password }, from), 200);
    for (let i = 0; i < 30; i++) {
      expectStatus(assert, await server.client().post('/session', { email: `n${i}@example.org`, password: 'wrong-password' }, from), 401);
    }
    expectStatus(assert, await server.client().post('/session', { email: body.email, password: body.password }, from), 429);
    expectStatus(assert, await owner.post('/session', { email: body.email, password: body.password }, from), 200);
  });

  it('20 registrations an hour from one address, then 429 with Retry-After; another address may register', async () => {
    const from = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
    for (let i = 0; i < 20; i++) expectStatus(assert, await server.client().post('/accounts', accountBody(), from('198.51.100.9')), 201);
    const refused = await server.client().post('/accounts', accountBody(), from('198.51.100.9'));
    expectError(assert, refused, 429, 'too_many_attempts');
    assert.ok(Number(refused.headers.get('retry-after')) > 60, `Retry-After ${refused.headers.get('retry-after')}`);
    expectStatus(assert, await server.client().post('/accounts', accountBody(), from('198.51.100.10')), 201);
  });
});

describe('password hashes are bounded', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { if (server) await server.stop(); });

  it('50 parallel logins: /healthz stays responsive and RSS stays bounded', async () => {
    const pid = serverPid(server);
    const probe = server.client();
    await probe.login('warm-up@example.org', 'wrong-password');  // the dummy hash, once
    const before = rssKiB(pid);
    let peak = before;
    let worstHealth = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        peak = Math.max(peak, rssKiB(pid));
        const t0 = performance.now();
        const h = await probe.request('GET', '/healthz');
        assert.equal(h.status, 200);
        worstHealth = Math.max(worstHealth, performance.now() - t0);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      server.client().login(`someone-${i}@example.org`, APPLICANT_PASSWORD)));
    const elapsed = performance.now() - t0;
    done = true;
    await watch;
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 401 || s === 429), statuses.join(','));
    const busy = results.filter((r) => r.status === 429);
    for (const r of busy) assert.ok(Number(r.headers.get('retry-after')) > 0);
    const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
    const growthMiB = (peak - before) / 1024;
    console.log(`# 50 parallel logins: ${statuses.length - busy.length} checked, ${busy.length} refused (429) in ` +
      `${elapsed.toFixed(0)} ms; worst /healthz ${worstHealth.toFixed(0)} ms; RSS ${(before / 1024).toFixed(0)} → ` +
      `peak ${(peak / 1024).toFixed(0)} MiB (+${growthMiB.toFixed(0)}), ${cores} hardware threads`);
    // One hash holds 64 MiB; at most one per hardware thread at once (plus allocator slack).
    assert.ok(growthMiB <= cores * 64 + 96, `RSS grew by ${growthMiB.toFixed(0)} MiB`);
    assert.ok(worstHealth < 1500, `worst /healthz ${worstHealth.toFixed(0)} ms`);
  });
});
