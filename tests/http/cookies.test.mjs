// The anonymous CSRF cookie over TLS (issue 9): behind a trusted proxy that says
// X-Forwarded-Proto: https it is __Host-laurel_csrf (Secure, Path=/, no Domain), so a sibling
// subdomain cannot plant a token; over plain HTTP, or when the header comes from anyone else, it
// stays laurel_csrf.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, ADMIN_EMAIL, ADMIN_PASSWORD } from './harness.mjs';

const TLS = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.7' };

function setCookies(res) {
  return (res.headers.getSetCookie ? res.headers.getSetCookie() : [res.headers.get('set-cookie') || '']).filter(Boolean);
}

describe('the CSRF cookie over TLS', () => {
  let proxied;
  let direct;
  after(async () => { await proxied?.stop(); await direct?.stop(); });

  it('is __Host-laurel_csrf with Secure behind a trusted proxy speaking HTTPS, and forms work with it', async () => {
    proxied = await startServer({ extraArgs: ['--trusted-proxy', '127.0.0.1'] });
    const c = new Client(proxied.url);
    const page = await c.request('GET', '/login', { headers: TLS });
    const cookie = setCookies(page).find((s) => s.startsWith('__Host-laurel_csrf='));
    assert.ok(cookie, setCookies(page).join(' | '));
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /Path=\//);
    assert.doesNotMatch(cookie, /Domain=/i);
    assert.equal(setCookies(page).some((s) => s.startsWith('laurel_csrf=')), false);
    const token = c.cookies.get('__Host-laurel_csrf');
    const login = await c.request('POST', '/login', {
      headers: { ...TLS, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `email=${encodeURIComponent(ADMIN_EMAIL)}&password=${encodeURIComponent(ADMIN_PASSWORD)}&_csrf=${token}`,
      csrf: false,
    });
    assert.equal(login.status, 303, login.text.slice(0, 300));
    assert.ok(c.cookies.has('laurel_session'), 'logged in with the __Host- token');
  });

  it('stays laurel_csrf over plain HTTP', async () => {
    const page = await new Client(proxied.url).request('GET', '/login');
    assert.ok(setCookies(page).some((s) => s.startsWith('laurel_csrf=') && !/Secure/.test(s)), setCookies(page).join(' | '));
  });

  it('does not believe X-Forwarded-Proto from a peer that is not a trusted proxy', async () => {
    direct = await startServer();
    const page = await new Client(direct.url).request('GET', '/login', { headers: TLS });
    assert.ok(setCookies(page).some((s) => s.startsWith('laurel_csrf=')), setCookies(page).join(' | '));
    assert.equal(setCookies(page).some((s) => s.startsWith('__Host-')), false);
  });
});
