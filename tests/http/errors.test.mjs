// The one error table (issue 10): an exception escaping a handler answers a JSON 500 internal
// with the request id on API routes and an error page elsewhere (never a plain-text body on
// /api); a database error keeps its 503 unavailable. The handler that throws is the test-only
// fault route, on only with LAUREL_TEST_FAULTS=1 in the server's environment (docs/security.md).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, expectError, rawRequestWithBody, parseRawResponse } from './harness.mjs';

const MAX_BODY = 1 << 20; // max_body_bytes default

/** Waits (up to 5 s) for the server's log to match `re`: its output reaches us through a pipe. */
async function logged(server, re) {
  for (let i = 0; i < 50 && !re.test(server.logs()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(server.logs(), re);
}

describe('errors: one table, one shape', () => {
  let server;     // LAUREL_TEST_FAULTS=1
  let plain;      // the default: no fault routes
  before(async () => {
    delete process.env.LAUREL_TEST_FAULTS;
    plain = await startServer();
    process.env.LAUREL_TEST_FAULTS = '1';
    try {
      server = await startServer();
    } finally {
      delete process.env.LAUREL_TEST_FAULTS;
    }
  });
  after(async () => {
    await server?.stop();
    await plain?.stop();
  });

  it('an exception in an API handler answers JSON 500 internal with the request id, logged with it', async () => {
    const c = new Client(server.url);
    const res = await c.request('GET', '/api/v1/test/fault');
    expectError(assert, res, 500, 'internal');
    assert.match(res.headers.get('content-type') || '', /^application\/json/);
    const id = res.body.error.request_id;
    assert.equal(typeof id, 'string');
    assert.ok(id.length > 0, res.text);
    assert.ok(res.body.error.message.includes(id), `the message names the request id: ${res.text}`);
    await logged(server, new RegExp(`req=${id} GET /api/v1/test/fault failed: test fault`));
    // Two requests, two ids.
    const again = await c.request('GET', '/api/v1/test/fault');
    expectError(assert, again, 500, 'internal');
    assert.notEqual(again.body.error.request_id, id);
  });

  it("the 500's message is in the caller's language", async () => {
    const c = new Client(server.url);
    const zh = await c.request('GET', '/api/v1/test/fault');
    const en = await c.request('GET', '/api/v1/test/fault', { headers: { 'Accept-Language': 'en' } });
    expectError(assert, zh, 500, 'internal');
    expectError(assert, en, 500, 'internal');
    assert.match(zh.body.error.message, /[\u4e00-\u9fff]/, zh.text);
    assert.match(en.body.error.message, /^[\x20-\x7e]+$/, en.text);
    assert.notEqual(zh.body.error.message.replace(zh.body.error.request_id, ''),
      en.body.error.message.replace(en.body.error.request_id, ''));
  });

  it('an exception in a page handler answers an HTML error page with the request id', async () => {
    const c = new Client(server.url);
    const res = await c.request('GET', '/test/fault', { headers: { 'Accept-Language': 'en' } });
    assert.equal(res.status, 500, res.text.slice(0, 300));
    assert.match(res.headers.get('content-type') || '', /^text\/html/);
    assert.equal(res.body, null, 'not JSON');
    assert.match(res.text, /<html/i);
    const id = res.text.match(/<code>(\d+)<\/code>/);
    assert.ok(id, `the page shows the request id: ${res.text.slice(0, 2000)}`);
    await logged(server, new RegExp(`req=${id[1]} GET /test/fault failed: test fault`));
  });

  it('a database error escaping a handler keeps 503 unavailable with Retry-After', async () => {
    const c = new Client(server.url);
    const api = await c.request('GET', '/api/v1/test/fault?kind=db');
    expectError(assert, api, 503, 'unavailable');
    assert.equal(api.headers.get('retry-after'), '5');
    assert.equal(api.body.error.request_id, undefined);
    const page = await c.request('GET', '/test/fault?kind=db');
    assert.equal(page.status, 503);
    assert.match(page.headers.get('content-type') || '', /^text\/html/);
    assert.equal(page.headers.get('retry-after'), '5');
  });

  it('without LAUREL_TEST_FAULTS the fault routes are 404, like any unknown path', async () => {
    const c = new Client(plain.url);
    expectError(assert, await c.request('GET', '/api/v1/test/fault'), 404, 'not_found');
    expectError(assert, await c.request('GET', '/api/v1/no-such-route'), 404, 'not_found');
    const page = await c.request('GET', '/test/fault');
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') || '', /^text\/html/);
    assert.doesNotMatch(plain.logs(), /LAUREL_TEST_FAULTS/);
    await logged(server, /LAUREL_TEST_FAULTS=1/);
  });

  it('every error on /api is JSON in the same shape, with the status of its code', async () => {
    const c = new Client(plain.url);
    expectError(assert, await c.request('DELETE', '/api/v1/calls'), 405, 'method_not_allowed');
    expectError(assert, await c.request('GET', '/api/v1/submissions'), 401, 'unauthenticated');
    expectError(assert, await c.request('POST', '/api/v1/session', { body: 'x', headers: { 'Content-Type': 'text/plain' } }),
      415, 'unsupported_media_type');
    // The 413 the server itself writes (http/, before any handler) has the table's shape too. Raw:
    // the server answers from Content-Length and closes while a fetch would still be sending.
    const port = new URL(plain.url).port;
    const head = `POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${MAX_BODY + 1}\r\nConnection: close\r\n\r\n`;
    const big = parseRawResponse(await rawRequestWithBody('127.0.0.1', port, head, 'a'.repeat(MAX_BODY + 1)));
    assert.equal(big.status, 413);
    assert.match(big.headers['content-type'] || '', /^application\/json/);
    const body = JSON.parse(big.body);
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, 'too_large');
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message']);
  });

  it('a missing static file is an error page, not a plain-text body', async () => {
    const c = new Client(plain.url);
    const res = await c.request('GET', '/static/no-such-file.css');
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') || '', /^text\/html/);
  });
});
