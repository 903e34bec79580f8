// Stopping with SIGTERM (a rolling restart) finishes the requests in flight: an upload whose
// body is still arriving completes with 204, and then the server exits by itself.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, newApplicant, createDraft, fullAwardFields, AWARD } from './harness.mjs';
import { mustCreate, streamPatch, getMaterials } from './tus.mjs';
import { createHash } from 'node:crypto';

describe('graceful stop', () => {
  let server;
  after(async () => { await server?.stop(); });

  it('SIGTERM during an upload: the upload completes (204) and the server then exits 0', async () => {
    server = await startServer({ keepTmp: false });
    const c = await newApplicant(server);
    const id = await createDraft(c, AWARD, 'key-technology', await fullAwardFields(c, 'key-technology'));
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3 * 1024 * 1024, 0x41), Buffer.from('\n%%EOF\n')]);
    const path = await mustCreate(c, { submission: id, kind: 'document', filename: 'late.pdf' }, pdf.length);
    let signalled = false;
    const patch = streamPatch(server, c, path, pdf, 0, { chunk: 256 * 1024, delayMs: 100 });
    const exited = server.waitExit();
    setTimeout(() => { signalled = true; server.signal('SIGTERM'); }, 350);
    const res = await patch;
    assert.ok(signalled, 'the signal came while the body was still being sent');
    assert.equal(res.status, 204, `the upload in flight completed: ${res.status} ${res.text}`);
    assert.equal(res.headers['upload-offset'], String(pdf.length));
    assert.equal(res.headers.connection, 'close', 'the connection is not kept for more requests');
    assert.equal(await exited, 0);
    // Restarted, the material is there, whole.
    await server.restart();
    const again = server.client();
    again.cookies = c.cookies;
    again.csrf = c.csrf;
    const list = await getMaterials(again, id);
    assert.equal(list.length, 1);
    assert.equal(list[0].sha256, createHash('sha256').update(pdf).digest('hex'));
  });
});
