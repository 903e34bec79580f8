// Resource limits as tests (issue 9): each limit at its value and one past it. Nesting depth,
// draft sizes and connections per address are in probe.test.mjs; here: the request body, the
// request head, members per JSON object and items per JSON array.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, newApplicant, Client, expectError, accountBody, createDraft, rawExchange, statusOfRaw, AWARD,
} from './harness.mjs';

const MAX_BODY = 1 << 20;      // max_body_bytes default
const MAX_HEADER = 16 << 10;   // the request head: request line, header fields, final CRLF

describe('resource limits: at the limit and one past it', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server?.stop(); });

  /** A JSON body of exactly `n` bytes: {"email":"…"} padded inside the string. */
  const jsonOf = (n) => {
    const frame = '{"email":"","password":"x"}';
    return frame.replace('""', `"${'a'.repeat(n - frame.length)}"`);
  };

  it(`a body of ${MAX_BODY} bytes is read; ${MAX_BODY + 1} is 413 too_large`, async () => {
    const c = new Client(server.url);
    const at = await c.request('POST', '/api/v1/session', { body: jsonOf(MAX_BODY), headers: { 'Content-Type': 'application/json' } });
    assert.notEqual(at.status, 413, at.text.slice(0, 300));
    assert.equal(at.status, 401, 'read and answered as a wrong login');
    // Past the limit the server answers from Content-Length alone and closes without reading the
    // body (a client still sending it may see a reset that discards the answer): send the head
    // only, over a raw socket.
    const head = `POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${MAX_BODY + 1}\r\n\r\n`;
    const past = await rawExchange(server.host, server.port, [head], { end: false, timeoutMs: 5000 });
    assert.equal(statusOfRaw(past), 413, past.toString('latin1').slice(0, 300));
    assert.match(past.toString('latin1'), /"code":"too_large"/);
  });

  /** A GET whose head (up to and including the blank line) is exactly `n` bytes. */
  const headOf = (n) => {
    const start = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Pad: ';
    const end = '\r\n\r\n';
    return start + 'p'.repeat(n - start.length - end.length) + end;
  };

  it(`a request head of ${MAX_HEADER} bytes is served; ${MAX_HEADER + 1} is 431`, async () => {
    const at = await rawExchange(server.host, server.port, [headOf(MAX_HEADER)]);
    assert.equal(statusOfRaw(at), 200, at.toString('latin1').slice(0, 200));
    const past = await rawExchange(server.host, server.port, [headOf(MAX_HEADER + 1)]);
    assert.equal(statusOfRaw(past), 431, past.toString('latin1').slice(0, 200));
  });

  it('a JSON object of 1,000 members is parsed; 1,001 is 400 naming the limit', async () => {
    const members = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 1]));
    const c = new Client(server.url);
    const at = await c.post('/accounts', accountBody({ organization: members(995) }));  // + name_zh, name_en, type, country, overseas = 1,000
    assert.equal(Object.keys(accountBody({ organization: members(995) }).organization).length, 1000);
    assert.notEqual(at.body?.error?.message?.includes('1000'), true, at.text.slice(0, 300));
    assert.notEqual(at.status, 400, at.text.slice(0, 300));
    const past = await c.post('/accounts', accountBody({ organization: members(996) }));
    expectError(assert, past, 400, 'bad_request');
    assert.match(past.body.error.message, /1000/);
  });

  it('a JSON array of 10,000 items is parsed; 10,001 is 400', async () => {
    const a = await newApplicant(server);
    const sid = await createDraft(a, AWARD, 'basic-research', {});
    const at = await a.patch(`/submissions/${sid}`, { fields: { organizations: Array(10000).fill('Org') } });
    // Parsed, then refused by the entry's own rule (20 organisations at most), not by the parser.
    expectError(assert, at, 400, 'bad_request');
    assert.match(at.body.error.message, /20/);
    const past = await a.patch(`/submissions/${sid}`, { fields: { organizations: Array(10001).fill('Org') } });
    expectError(assert, past, 400, 'bad_request');
    assert.match(past.body.error.message, /10000/);
  });
});
