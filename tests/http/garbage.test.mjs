// Robustness: garbage on raw TCP connections must not hurt the server.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { startServer, rawExchange } from './harness.mjs';

async function getRootWithin(server, ms) {
  const started = Date.now();
  try {
    const res = await fetch(`${server.url}/`, { signal: AbortSignal.timeout(ms) });
    await res.arrayBuffer();
    return { status: res.status, elapsed: Date.now() - started };
  } catch (e) {
    const state = server.alive() ? 'server still running' : `server exited (${server.exitStatus()})`;
    throw new Error(`GET / failed after ${Date.now() - started} ms: ${e.message}` +
      `${e.cause ? ` (${e.cause.code || e.cause.message})` : ''}; ${state}\n${server.logs().slice(-4000)}`);
  }
}

/** Send garbage the several ways the brief asks for, closing each connection. */
async function sendGarbage(server) {
  const { host, port } = server;
  const longHeader = `X-Long: ${'x'.repeat(100 * 1024)}\r\n`;
  const opts = { timeoutMs: 3000 };
  await Promise.all([
    // 64 KiB of random bytes, then the malformed lines, on one connection.
    rawExchange(host, port, [randomBytes(64 * 1024), 'GET / HTTP/9.9\r\n', longHeader, '\r\n'], opts),
    // Each malformed request on its own connection, so the parser sees it from the start.
    rawExchange(host, port, ['GET / HTTP/9.9\r\nHost: x\r\n\r\n'], opts),
    rawExchange(host, port, [`GET / HTTP/1.1\r\nHost: x\r\n${longHeader}\r\n`], opts),
    rawExchange(host, port, [`GET /${'a'.repeat(100 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`], opts),
    rawExchange(host, port, ['POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}'], opts),
    rawExchange(host, port, ['POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nnope\r\n'], opts),
    rawExchange(host, port, ['\x00\x01\x02\r\n\r\n'], opts),
    // Half a request, then close.
    rawExchange(host, port, ['GET / HT'], opts),
  ]);
}

describe('garbage input', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { if (server) await server.stop(); });

  it('after garbage on a raw socket a normal GET / still returns 200 within 2 s (20 in parallel)', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, async () => {
      await sendGarbage(server);
      return getRootWithin(server, 2000);
    }));
    for (const r of results) assert.equal(r.status, 200);
  });

  it('idle half-sent connections do not block other clients', async () => {
    const idle = [];
    try {
      for (let i = 0; i < 16; i += 1) {
        const s = net.connect({ host: server.host, port: server.port });
        s.on('error', () => {});
        s.write('GET / HTTP/1.1\r\nHost: x\r\n');
        idle.push(s);
      }
      await new Promise((r) => setTimeout(r, 200));
      const results = await Promise.all(Array.from({ length: 5 }, () => getRootWithin(server, 2000)));
      for (const r of results) assert.equal(r.status, 200);
    } finally {
      for (const s of idle) s.destroy();
    }
  });

  it('the server process is still running after the garbage', async () => {
    const r = await getRootWithin(server, 2000);
    assert.equal(r.status, 200);
  });
});
