// The HTML side: language negotiation, call page, form CSRF, security headers.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectStatus, Client, AWARD } from './harness.mjs';

function expectHtml(res) {
  expectStatus(assert, res, 200);
  assert.match(res.headers.get('content-type') || '', /^text\/html/i);
  assert.equal((res.headers.get('x-content-type-options') || '').toLowerCase(), 'nosniff');
}

describe('html pages', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { if (server) await server.stop(); });

  it('GET / is Chinese by default (领先科技奖, 北京时间)', async () => {
    const res = await server.client().request('GET', '/');
    expectHtml(res);
    assert.ok(res.text.includes('领先科技奖'), 'contains 领先科技奖');
    assert.ok(res.text.includes('北京时间'), 'contains 北京时间');
  });

  it('GET / with Accept-Language: zh-CN is Chinese', async () => {
    const res = await server.client().request('GET', '/',
      { headers: { 'Accept-Language': 'zh-CN,zh;q=0.9' } });
    expectHtml(res);
    assert.ok(res.text.includes('领先科技奖'));
  });

  it('GET / with Accept-Language: en is English (Leading Technology Award, Beijing time)', async () => {
    const res = await server.client().request('GET', '/', { headers: { 'Accept-Language': 'en' } });
    expectHtml(res);
    assert.ok(res.text.includes('Leading Technology Award'), 'contains Leading Technology Award');
    assert.ok(res.text.includes('Beijing time'), 'contains Beijing time');
  });

  it('GET / with cookie laurel_lang=en is English', async () => {
    const c = server.client();
    c.cookies.set('laurel_lang', 'en');
    const res = await c.request('GET', '/');
    expectHtml(res);
    assert.ok(res.text.includes('Leading Technology Award'));
    assert.ok(res.text.includes('Beijing time'));
  });

  it('GET /calls/leading-tech-2025 returns the call page', async () => {
    const res = await server.client().request('GET', `/calls/${AWARD}`);
    expectHtml(res);
    assert.ok(res.text.includes('领先科技奖'));
  });

  it('a form POST to /login without _csrf is refused with 403', async () => {
    const c = new Client(server.url);
    // Load the login page first, as a browser would (may set a pre-session cookie).
    await c.request('GET', '/login');
    const res = await c.request('POST', '/login', {
      body: 'email=admin%40example.org&password=Organiser-2025-pass',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      csrf: false,
    });
    expectStatus(assert, res, 403);
    assert.equal(c.cookies.has('laurel_session'), false, 'not logged in');
    if (/^text\/html/i.test(res.headers.get('content-type') || '')) {
      assert.equal((res.headers.get('x-content-type-options') || '').toLowerCase(), 'nosniff');
    }
  });

  it('HTML error pages also carry X-Content-Type-Options: nosniff', async () => {
    const res = await server.client().request('GET', '/no/such/page');
    expectStatus(assert, res, 404);
    assert.equal((res.headers.get('x-content-type-options') || '').toLowerCase(), 'nosniff');
  });
});
