// Account security (issue 9 B, C): password change, the session list with revoke and "log out
// everywhere", two-factor sign-in with TOTP (RFC 6238) and recovery codes, and the site option
// that makes organisers enrol.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  startServer, Client, newApplicant, expectStatus, expectError, errorFields,
  APPLICANT_PASSWORD, ADMIN_EMAIL, ADMIN_PASSWORD,
} from './harness.mjs';

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const ch of s.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}

/** The RFC 6238 code (SHA-1, 6 digits) of a 30-second step. */
function totp(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const off = h[h.length - 1] & 15;
  const n = (h.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}
const stepNow = () => Math.floor(Date.now() / 1000 / 30);

async function formPost(client, path, fields) {
  const page = await client.request('GET', '/login');
  const csrf = client.csrf && client.cookies.has('laurel_session')
    ? client.csrf
    : (/name="_csrf" value="([^"]+)"/.exec(page.text) || [])[1];
  return client.request('POST', path, {
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
}

/** Enrols the client's account; returns { secret, step (used), recovery }. */
async function enrol(client) {
  const e = await client.post('/account/two-factor/enrolment', {});
  expectStatus(assert, e, 200);
  const step = stepNow();
  const ok = await client.post('/account/two-factor/confirm', { code: totp(e.body.secret, step) });
  expectStatus(assert, ok, 200);
  return { secret: e.body.secret, step, recovery: ok.body.recovery_codes };
}

describe('password change and sessions', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { if (server) await server.stop(); });

  it('changing the password needs the old one, ends other sessions and keeps this one', async () => {
    const a = await newApplicant(server);
    const other = new Client(server.url);
    expectStatus(assert, await other.login(a.email, APPLICANT_PASSWORD), 200);
    const wrong = await a.post('/account/password', { old_password: 'not-my-password', new_password: 'A-new-long-pass-2026' });
    expectError(assert, wrong, 422, 'invalid');
    assert.equal(typeof errorFields(wrong).old_password, 'string', wrong.text);
    const weak = await a.post('/account/password', { old_password: APPLICANT_PASSWORD, new_password: 'password123' });
    expectError(assert, weak, 422, 'invalid');
    assert.equal(typeof errorFields(weak).new_password, 'string', weak.text);
    expectStatus(assert, await a.post('/account/password', { old_password: APPLICANT_PASSWORD, new_password: 'A-new-long-pass-2026' }), 204);
    expectStatus(assert, await a.get('/submissions'), 200);
    expectError(assert, await other.get('/submissions'), 401, 'unauthenticated');
    expectError(assert, await new Client(server.url).login(a.email, APPLICANT_PASSWORD), 401, 'invalid_credentials');
    expectStatus(assert, await new Client(server.url).login(a.email, 'A-new-long-pass-2026'), 200);
  });

  it('a change without the CSRF token is refused', async () => {
    const a = await newApplicant(server);
    const res = await a.post('/account/password', { old_password: APPLICANT_PASSWORD, new_password: 'A-new-long-pass-2026' }, { csrf: false });
    expectError(assert, res, 403, 'csrf');
  });

  it('lists sessions with device, address and times; revokes one; another account cannot', async () => {
    const a = await newApplicant(server);
    const phone = new Client(server.url);
    const login = await phone.post('/session', { email: a.email, password: APPLICANT_PASSWORD },
      { headers: { 'User-Agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1' } });
    expectStatus(assert, login, 200);
    phone.csrf = login.body.csrf_token;
    const list = await a.get('/account/sessions');
    expectStatus(assert, list, 200);
    assert.equal(list.body.sessions.length, 2);
    const mine = list.body.sessions.find((s) => s.current);
    const theirs = list.body.sessions.find((s) => !s.current);
    assert.ok(mine && theirs);
    assert.match(theirs.user_agent, /iPhone/);
    assert.equal(theirs.address, '127.0.0.1');
    assert.match(theirs.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(theirs.last_seen_at, /Z$/);
    const stranger = await newApplicant(server);
    expectError(assert, await stranger.del(`/account/sessions/${theirs.id}`), 404, 'not_found');
    expectStatus(assert, await phone.get('/submissions'), 200);
    expectStatus(assert, await a.del(`/account/sessions/${theirs.id}`), 204);
    expectError(assert, await phone.get('/submissions'), 401, 'unauthenticated');
    expectStatus(assert, await a.get('/submissions'), 200);
  });

  it('log out everywhere ends every session, this one too', async () => {
    const a = await newApplicant(server);
    const b = new Client(server.url);
    expectStatus(assert, await b.login(a.email, APPLICANT_PASSWORD), 200);
    expectStatus(assert, await a.del('/account/sessions'), 204);
    expectError(assert, await a.get('/submissions'), 401, 'unauthenticated');
    expectError(assert, await b.get('/submissions'), 401, 'unauthenticated');
  });

  it('the account page has every form with its CSRF token, and its forms work', async () => {
    const a = await newApplicant(server);
    const other = new Client(server.url);
    expectStatus(assert, await other.login(a.email, APPLICANT_PASSWORD), 200);
    const page = await a.request('GET', '/account');
    expectStatus(assert, page, 200);
    for (const action of ['/account/password', '/account/sessions/revoke-all']) assert.ok(page.text.includes(`action="${action}"`), action);
    assert.equal((page.text.match(/action="\/account\/sessions\/[a-f0-9]{16}\/revoke"/g) || []).length, 2);
    assert.ok(page.text.includes('href="/account/two-factor"'));
    const forms = page.text.match(/<form method="post"[^]*?<\/form>/g);
    for (const f of forms) assert.ok(f.includes(`name="_csrf" value="${a.csrf}"`), f.slice(0, 120));
    const otherId = (await a.get('/account/sessions')).body.sessions.find((s) => !s.current).id;
    const res = await formPost(a, `/account/sessions/${otherId}/revoke`, {});
    expectStatus(assert, res, 303);
    expectError(assert, await other.get('/submissions'), 401, 'unauthenticated');
    const anon = await new Client(server.url).request('GET', '/account');
    expectStatus(assert, anon, 303);
  });
});

describe('two-factor sign-in', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { if (server) await server.stop(); });

  it('enrolment shows a QR code as SVG and the key; a wrong first code is refused', async () => {
    const a = await newApplicant(server);
    const page = await a.request('GET', '/account/two-factor');
    expectStatus(assert, page, 200);
    assert.match(page.text, /<svg[^>]+role="img"[^>]*>/);
    const e = await a.post('/account/two-factor/enrolment', {});
    expectStatus(assert, e, 200);
    assert.match(e.body.secret, /^[A-Z2-7]{32}$/);
    assert.ok(page.text.includes(e.body.secret.slice(0, 4)), 'the same key is shown on the page');
    assert.match(e.body.uri, /^otpauth:\/\/totp\/Laurel%3A.+\?secret=[A-Z2-7]+&issuer=Laurel/);
    assert.match(e.body.qr_svg, /^<svg /);
    const bad = await a.post('/account/two-factor/confirm', { code: totp(e.body.secret, stepNow() + 5) });
    expectError(assert, bad, 422, 'invalid');
    assert.equal((await a.get('/account/two-factor')).body.enabled, false);
  });

  it('login takes two steps; a code is never accepted twice; recovery codes work once', async () => {
    const a = await newApplicant(server);
    const { secret, step, recovery } = await enrol(a);
    assert.equal(recovery.length, 10);
    assert.equal(new Set(recovery).size, 10);
    const status = await a.get('/account/two-factor');
    assert.deepEqual([status.body.enabled, status.body.recovery_codes_left], [true, 10]);

    const c = new Client(server.url);
    const first = await c.post('/session', { email: a.email, password: APPLICANT_PASSWORD });
    expectError(assert, first, 401, 'two_factor_required');
    assert.equal(typeof first.body.challenge, 'string');
    assert.equal(c.cookies.has('laurel_session'), false, 'no session before the code');
    expectError(assert, await c.get('/submissions'), 401, 'unauthenticated');
    // The code used to confirm the enrolment cannot be used again.
    expectError(assert, await c.post('/session/two-factor', { code: totp(secret, step) }), 401, 'invalid_credentials');
    const ok = await c.post('/session/two-factor', { code: totp(secret, step + 1) });
    expectStatus(assert, ok, 200);
    c.csrf = ok.body.csrf_token;
    expectStatus(assert, await c.get('/submissions'), 200);
    assert.ok(c.cookies.has('laurel_device'));

    // Replaying the same code on another login fails; a recovery code works, once.
    const d = new Client(server.url);
    const ch = await d.post('/session', { email: a.email, password: APPLICANT_PASSWORD });
    expectError(assert, ch, 401, 'two_factor_required');
    expectError(assert, await d.post('/session/two-factor', { challenge: ch.body.challenge, code: totp(secret, step + 1) }), 401, 'invalid_credentials');
    expectStatus(assert, await d.post('/session/two-factor', { challenge: ch.body.challenge, recovery_code: recovery[0] }), 200);
    const again = new Client(server.url);
    expectError(assert, await again.post('/session', { email: a.email, password: APPLICANT_PASSWORD }), 401, 'two_factor_required');
    expectError(assert, await again.post('/session/two-factor', { code: recovery[0] }), 401, 'invalid_credentials');
    expectStatus(assert, await again.post('/session/two-factor', { code: recovery[1].toUpperCase() }), 200);
    assert.equal((await a.get('/account/two-factor')).body.recovery_codes_left, 8);
  });

  it('a challenge allows five codes, then the login must start again; it opens nothing by itself', async () => {
    const a = await newApplicant(server);
    const { recovery } = await enrol(a);
    const c = new Client(server.url);
    expectError(assert, await c.post('/session', { email: a.email, password: APPLICANT_PASSWORD }), 401, 'two_factor_required');
    for (let i = 0; i < 5; i++) expectError(assert, await c.post('/session/two-factor', { code: String(100000 + i) }), 401, 'invalid_credentials');
    expectError(assert, await c.post('/session/two-factor', { code: recovery[0] }), 401, 'unauthenticated');
    expectError(assert, await new Client(server.url).post('/session/two-factor', { challenge: 'made-up', code: '123456' }), 401, 'unauthenticated');
  });

  it('the login form asks for the code on a second page', async () => {
    const a = await newApplicant(server);
    const { recovery } = await enrol(a);
    const c = new Client(server.url);
    const res = await formPost(c, '/login', { email: a.email, password: APPLICANT_PASSWORD, next: '/entries' });
    expectStatus(assert, res, 303);
    assert.match(res.headers.get('location'), /^\/login\/two-factor/);
    assert.equal(c.cookies.has('laurel_session'), false);
    const page = await c.request('GET', res.headers.get('location'));
    expectStatus(assert, page, 200);
    assert.ok(page.text.includes('action="/login/two-factor"'));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)[1];
    const wrong = await c.request('POST', '/login/two-factor', {
      body: new URLSearchParams({ _csrf: csrf, code: '000000', next: '/entries' }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expectStatus(assert, wrong, 401);
    const done = await c.request('POST', '/login/two-factor', {
      body: new URLSearchParams({ _csrf: csrf, code: recovery[3], next: '/entries' }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expectStatus(assert, done, 303);
    assert.equal(done.headers.get('location'), '/entries');
    assert.ok(c.cookies.has('laurel_session'));
  });

  it('turning it off needs the password and a code', async () => {
    const a = await newApplicant(server);
    const { recovery } = await enrol(a);
    expectError(assert, await a.post('/account/two-factor/disable', { password: 'wrong-password-1', code: recovery[0] }), 422, 'invalid');
    expectError(assert, await a.post('/account/two-factor/disable', { password: APPLICANT_PASSWORD, code: '000000' }), 422, 'invalid');
    expectStatus(assert, await a.post('/account/two-factor/disable', { password: APPLICANT_PASSWORD, code: recovery[0] }), 204);
    expectStatus(assert, await new Client(server.url).login(a.email, APPLICANT_PASSWORD), 200);
  });
});

describe('organisers must enrol when the site requires it', () => {
  let server;
  before(async () => { server = await startServer({ extraArgs: ['--require-organiser-2fa'] }); });
  after(async () => { if (server) await server.stop(); });

  it('an organiser without two-factor is sent to enrolment before anything else; applicants are not', async () => {
    const org = new Client(server.url);
    expectStatus(assert, await org.login(ADMIN_EMAIL, ADMIN_PASSWORD), 200);
    const adminPage = await org.request('GET', '/admin');
    expectStatus(assert, adminPage, 303);
    assert.equal(adminPage.headers.get('location'), '/account/two-factor');
    expectError(assert, await org.get('/admin/calls/leading-tech-2025/submissions'), 403, 'two_factor_enrolment_required');
    const enrolPage = await org.request('GET', '/account/two-factor');
    expectStatus(assert, enrolPage, 200);
    const { secret, step } = await enrol(org);
    expectStatus(assert, await org.request('GET', '/admin'), 200);
    // The next login takes two steps.
    const again = new Client(server.url);
    expectError(assert, await again.login(ADMIN_EMAIL, ADMIN_PASSWORD), 401, 'two_factor_required');
    expectStatus(assert, await again.post('/session/two-factor', { code: totp(secret, step + 1) }), 200);

    const a = await newApplicant(server);
    expectStatus(assert, await a.request('GET', '/entries'), 200);
  });
});
