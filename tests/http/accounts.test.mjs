// Accounts, sessions, CSRF and authentication.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, Client, accountBody, newApplicant, expectStatus, expectError, errorFields,
  ADMIN_EMAIL, ADMIN_PASSWORD, AWARD,
} from './harness.mjs';

describe('accounts and sessions', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { if (server) await server.stop(); });

  it('POST /accounts registers an applicant and returns 201 with id and email', async () => {
    const c = server.client();
    const body = accountBody();
    const res = await c.post('/accounts', body);
    expectStatus(assert, res, 201);
    assert.ok(res.body.id !== undefined && res.body.id !== null, 'id present');
    assert.equal(res.body.email, body.email);
  });

  it('registering does not log in', async () => {
    const c = server.client();
    const res = await c.post('/accounts', accountBody());
    expectStatus(assert, res, 201);
    assert.equal(c.cookies.has('laurel_session'), false, 'no laurel_session cookie after register');
    const list = await c.get('/submissions');
    expectError(assert, list, 401, 'unauthenticated');
  });

  it('registering an email twice returns 409 email_taken', async () => {
    const c = server.client();
    const body = accountBody();
    expectStatus(assert, await c.post('/accounts', body), 201);
    const again = await c.post('/accounts', { ...body, password: 'Another-long-pass-99' });
    expectError(assert, again, 409, 'email_taken');
  });

  for (const pw of ['short-1A', 'password123', '1234567890', 'qwertyuiop']) {
    it(`a weak password (${JSON.stringify(pw)}) returns 422 invalid with fields.password`, async () => {
      const c = server.client();
      const body = accountBody({ password: pw });
      const res = await c.post('/accounts', body);
      expectError(assert, res, 422, 'invalid');
      assert.equal(typeof errorFields(res).password, 'string', `fields.password in ${res.text}`);
      // Nothing was created: the same email can register with a good password.
      const ok = await c.post('/accounts', { ...body, password: 'A-much-better-pass-2025' });
      expectStatus(assert, ok, 201);
    });
  }

  it('a malformed email returns 422 invalid with fields.email', async () => {
    const res = await server.client().post('/accounts', accountBody({ email: 'not-an-email' }));
    expectError(assert, res, 422, 'invalid');
    assert.equal(typeof errorFields(res).email, 'string', res.text);
  });

  it('an unknown organization type returns 422 with fields["organization.type"]', async () => {
    const res = await server.client().post('/accounts',
      accountBody({ organization: { type: 'alien-collective' } }));
    expectError(assert, res, 422, 'invalid');
    assert.equal(typeof errorFields(res)['organization.type'], 'string', res.text);
  });

  it('an unknown country code returns 422 with fields["organization.country"]', async () => {
    const res = await server.client().post('/accounts',
      accountBody({ organization: { country: 'CHN' } }));
    expectError(assert, res, 422, 'invalid');
    assert.equal(typeof errorFields(res)['organization.country'], 'string', res.text);
  });

  it('every listed organization type is accepted at registration', async () => {
    for (const type of ['government', 'international-organization', 'social-organization',
      'research-institution', 'university', 'technical-community', 'enterprise',
      'innovation-team', 'think-tank']) {
      const res = await server.client().post('/accounts', accountBody({ organization: { type } }));
      expectStatus(assert, res, 201);
    }
  });

  it('POST /session logs in: 200 with csrf_token, user and an HttpOnly SameSite=Lax cookie', async () => {
    const body = accountBody();
    const c = server.client();
    expectStatus(assert, await c.post('/accounts', body), 201);
    const res = await c.post('/session', { email: body.email, password: body.password });
    expectStatus(assert, res, 200);
    assert.equal(typeof res.body.csrf_token, 'string');
    assert.ok(res.body.csrf_token.length >= 16, 'csrf token is long enough');
    assert.equal(res.body.user.email, body.email);
    assert.ok(res.body.user.id !== undefined);
    assert.equal(typeof res.body.user.role, 'string');
    assert.notEqual(res.body.user.role, 'admin');
    const cookie = c.lastSetCookies.find((x) => x.name === 'laurel_session');
    assert.ok(cookie, `Set-Cookie laurel_session in ${res.headers.get('set-cookie')}`);
    assert.ok(cookie.value.length >= 16, 'session id is long enough');
    assert.equal(cookie.attrs.httponly, true, 'HttpOnly');
    assert.equal(String(cookie.attrs.samesite).toLowerCase(), 'lax', 'SameSite=Lax');
    assert.equal(cookie.attrs.path, '/', 'Path=/');
    // The session works.
    expectStatus(assert, await c.get('/submissions'), 200);
  });

  it('the admin created with the CLI logs in with role admin', async () => {
    const c = server.client();
    const res = await c.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    expectStatus(assert, res, 200);
    assert.equal(res.body.user.role, 'admin');
  });

  it('a wrong password returns 401 invalid_credentials and no session', async () => {
    const body = accountBody();
    const c = server.client();
    expectStatus(assert, await c.post('/accounts', body), 201);
    const res = await c.post('/session', { email: body.email, password: 'Wrong-password-123' });
    expectError(assert, res, 401, 'invalid_credentials');
    assert.equal(c.cookies.has('laurel_session'), false);
  });

  it('after 10 failed logins an account answers 429 too_many_attempts with Retry-After, even to the right password; other accounts are unaffected', async () => {
    const body = accountBody();
    const c = server.client();
    expectStatus(assert, await c.post('/accounts', body), 201);
    for (let i = 0; i < 10; i++) {
      expectError(assert, await c.post('/session', { email: body.email, password: `Wrong-password-${i}0` }), 401, 'invalid_credentials');
    }
    const locked = await c.post('/session', { email: body.email, password: body.password });
    expectError(assert, locked, 429, 'too_many_attempts');
    const wait = Number(locked.headers.get('retry-after'));
    assert.ok(wait > 800 && wait <= 900, `Retry-After ${wait} within the 15-minute window`);
    assert.equal(c.cookies.has('laurel_session'), false);
    const other = accountBody();
    expectStatus(assert, await c.post('/accounts', other), 201);
    expectStatus(assert, await server.client().login(other.email, other.password), 200);
  });

  it('an unknown email returns 401 invalid_credentials', async () => {
    const res = await server.client().post('/session',
      { email: 'nobody-here@example.org', password: 'Whatever-pass-2025' });
    expectError(assert, res, 401, 'invalid_credentials');
  });

  it('DELETE /session logs out (204) and the old session cookie is then refused with 401', async () => {
    const c = await newApplicant(server);
    const oldSession = c.cookies.get('laurel_session');
    assert.ok(oldSession);
    const res = await c.del('/session');
    expectStatus(assert, res, 204);
    expectError(assert, await c.get('/submissions'), 401, 'unauthenticated');
    // Replaying the old cookie must not work either (server-side invalidation).
    c.cookies.set('laurel_session', oldSession);
    expectError(assert, await c.get('/submissions'), 401, 'unauthenticated');
  });

  it('protected routes without a session return 401 unauthenticated', async () => {
    const c = server.client();
    expectError(assert, await c.get('/submissions'), 401, 'unauthenticated');
    expectError(assert, await c.get('/submissions/1'), 401, 'unauthenticated');
    expectError(assert, await c.post(`/calls/${AWARD}/submissions`,
      { category: 'basic-research', fields: {} }), 401, 'unauthenticated');
    expectError(assert, await c.get(`/admin/calls/${AWARD}/submissions`), 401, 'unauthenticated');
  });

  it('a forged session cookie returns 401 unauthenticated', async () => {
    const c = server.client();
    c.cookies.set('laurel_session', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expectError(assert, await c.get('/submissions'), 401, 'unauthenticated');
  });

  it('POST with a session but without X-CSRF-Token returns 403 csrf and creates nothing', async () => {
    const c = await newApplicant(server);
    const res = await c.post(`/calls/${AWARD}/submissions`,
      { category: 'basic-research', fields: { title_en: 'No token' } }, { csrf: false });
    expectError(assert, res, 403, 'csrf');
    const list = await c.get('/submissions');
    expectStatus(assert, list, 200);
    assert.equal(list.body.submissions.length, 0);
  });

  it('POST with a wrong X-CSRF-Token returns 403 csrf', async () => {
    const c = await newApplicant(server);
    const res = await c.post(`/calls/${AWARD}/submissions`,
      { category: 'basic-research', fields: {} }, { csrf: 'not-the-right-token' });
    expectError(assert, res, 403, 'csrf');
  });

  it("another session's CSRF token is refused with 403 csrf", async () => {
    const a = await newApplicant(server);
    const b = await newApplicant(server);
    const res = await a.post(`/calls/${AWARD}/submissions`,
      { category: 'basic-research', fields: {} }, { csrf: b.csrf });
    expectError(assert, res, 403, 'csrf');
  });

  it('PATCH and DELETE without X-CSRF-Token return 403 csrf', async () => {
    const c = await newApplicant(server);
    const created = await c.post(`/calls/${AWARD}/submissions`,
      { category: 'basic-research', fields: { title_en: 'Draft' } });
    expectStatus(assert, created, 201);
    const patch = await c.patch(`/submissions/${created.body.id}`,
      { fields: { title_en: 'Changed' } }, { csrf: false });
    expectError(assert, patch, 403, 'csrf');
    const logout = await c.del('/session', { csrf: false });
    expectError(assert, logout, 403, 'csrf');
    // Still logged in, draft unchanged.
    const got = await c.get(`/submissions/${created.body.id}`);
    expectStatus(assert, got, 200);
    assert.equal(got.body.fields.title_en, 'Draft');
  });

  it('malformed JSON returns 400 bad_request', async () => {
    const c = await newApplicant(server);
    const res = await c.api('POST', `/calls/${AWARD}/submissions`, {
      body: '{"category": "basic-research", "fields": {',
      headers: { 'Content-Type': 'application/json' },
    });
    expectError(assert, res, 400, 'bad_request');
    const res2 = await new Client(server.url).api('POST', '/accounts', {
      body: '{"email": "x@example.org",,}',
      headers: { 'Content-Type': 'application/json' },
    });
    expectError(assert, res2, 400, 'bad_request');
  });
});
