// Materials and resumable uploads (tus 1.0.0) as docs/uploads.md describes them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startServer, newApplicant, adminClient, Client, expectStatus, expectError, errorFields,
  createDraft, fullAwardFields, fullCaseFields, callToml, shanghaiLocal, AWARD, CASE,
  APPLICANT_PASSWORD,
} from './harness.mjs';
import {
  TUS, OCTETS, encodeMetadata, tusRequest, createUpload, mustCreate, headUpload, patchUpload,
  deleteUpload, uploadFile, getMaterials, getMaterial, waitMaterial, attachRequired, serverPath,
  streamPatch, parseContentDisposition,
} from './tus.mjs';
import {
  pngBytes, pdfBytes, textBytes, mp4Bytes, tinyMp4, largeMp4, sha256hex, sha256b64, sha1b64,
  MiB, GiB,
} from './fixtures.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every file under the server's files directory: { path, name, sha256 }. */
function storedFiles(dir) {
  const out = [];
  const walk = (d) => {
    let entries = [];
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try { out.push({ path: p, name: e.name, sha256: sha256hex(readFileSync(p)) }); } catch { /* gone */ }
      }
    }
  };
  walk(dir);
  return out;
}
const MATERIAL_FIELDS = ['id', 'kind', 'filename', 'size', 'sha256', 'content_type', 'status',
  'error', 'caption', 'position', 'width', 'height', 'duration', 'thumbnail', 'content',
  'created_at'];
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

function show(res) {
  const hs = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n  ');
  return `${res.method} ${res.path} -> ${res.status}\n  ${hs}\n  ${res.text.slice(0, 600)}`;
}

/** Every tus answer carries Tus-Resumable: 1.0.0. */
function expectTus(res) {
  assert.equal(res.headers.get('tus-resumable'), TUS, `Tus-Resumable on the answer; ${show(res)}`);
}

function expectTusStatus(res, status) {
  assert.equal(res.status, status, `expected ${status}; ${show(res)}`);
  expectTus(res);
}

/** The material's content path (its `content` URL, or the documented route if null). */
function contentPath(m) {
  return serverPath(m.content) || `/api/v1/materials/${m.id}/content`;
}

function isJpeg(bytes) {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function expectFutureHttpDate(value, label) {
  assert.ok(value, `${label} present`);
  assert.match(value, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    `${label} is an RFC 7231 date: ${value}`);
  assert.ok(Date.parse(value) > Date.now() - 2000, `${label} ${value} is not in the past`);
}

describe('uploads (tus) and materials', () => {
  let server;
  let alice;
  let bob;
  let admin;
  let aliceAward; // a draft award entry of alice's, used by many tests
  let aliceCase; // a draft case entry of alice's
  let bobCase;
  let sniffCase; // alice's: where files of the wrong type go (rejected ones might count)
  let namesCase; // alice's: files with odd names

  before(async () => {
    server = await startServer();
    [alice, bob, admin] = await Promise.all([newApplicant(server), newApplicant(server), adminClient(server)]);
    aliceAward = await createDraft(alice, AWARD, 'basic-research', await fullAwardFields(alice, 'basic-research'));
    aliceCase = await createDraft(alice, CASE, 'digital-economy', await fullCaseFields(alice, 'digital-economy'));
    bobCase = await createDraft(bob, CASE, 'digital-economy', await fullCaseFields(bob, 'digital-economy'));
    sniffCase = await createDraft(alice, CASE, 'cultural-exchange', {});
    namesCase = await createDraft(alice, CASE, 'cultural-exchange', {});
  });
  after(async () => { if (server) await server.stop(); });

  // Shared ready materials (made once, on first use).
  let readyImage = null;
  async function sharedImage() {
    if (!readyImage) {
      readyImage = (async () => {
        const bytes = pngBytes(120, 80, 7);
        const up = await uploadFile(alice, aliceCase, 'image', 'shared.png', bytes);
        const m = await waitMaterial(alice, aliceCase, up.materialId);
        assert.equal(m && m.status, 'ready', `shared image is ready: ${JSON.stringify(m)}`);
        return { bytes, m };
      })();
    }
    return readyImage;
  }
  let readyDoc = null;
  async function sharedDocument() {
    if (!readyDoc) {
      readyDoc = (async () => {
        const bytes = pdfBytes();
        const up = await uploadFile(alice, aliceAward, 'document', 'report.pdf', bytes);
        const m = await waitMaterial(alice, aliceAward, up.materialId);
        assert.equal(m && m.status, 'ready', `shared document is ready: ${JSON.stringify(m)}`);
        return { bytes, m };
      })();
    }
    return readyDoc;
  }

  // ---- protocol basics ---------------------------------------------------------------------

  it('OPTIONS /uploads/ answers 204 with Tus-Version, Tus-Extension, Tus-Max-Size (2 GiB) and Tus-Checksum-Algorithm', async () => {
    const res = await server.client().request('OPTIONS', '/uploads/');
    expectTusStatus(res, 204);
    assert.equal(res.headers.get('tus-version'), '1.0.0', show(res));
    const ext = (res.headers.get('tus-extension') || '').split(',').map((s) => s.trim());
    for (const e of ['creation', 'termination', 'checksum', 'expiration']) {
      assert.ok(ext.includes(e), `Tus-Extension has ${e}; ${show(res)}`);
    }
    assert.equal(res.headers.get('tus-max-size'), String(2 * GiB), show(res));
    const algs = (res.headers.get('tus-checksum-algorithm') || '').split(',').map((s) => s.trim()).sort();
    assert.deepEqual(algs, ['sha1', 'sha256'], show(res));
  });

  it('a request without Tus-Resumable: 1.0.0 is refused with 412 and Tus-Version', async () => {
    const meta = { submission: aliceAward, kind: 'document', filename: 'a.pdf' };
    const noHeader = await createUpload(alice, meta, 100, { tus: false });
    expectTusStatus(noHeader, 412);
    assert.equal(noHeader.headers.get('tus-version'), '1.0.0', show(noHeader));
    const wrong = await createUpload(alice, meta, 100, { tus: false, headers: { 'Tus-Resumable': '0.2.2' } });
    expectTusStatus(wrong, 412);
    const path = await mustCreate(alice, meta, 100);
    const head = await headUpload(alice, path, { tus: false });
    expectTusStatus(head, 412);
    const patch = await patchUpload(alice, path, 0, Buffer.alloc(10), { tus: false });
    expectTusStatus(patch, 412);
    // Nothing was written by the refused PATCH.
    assert.equal((await headUpload(alice, path)).headers.get('upload-offset'), '0');
    expectTusStatus(await deleteUpload(alice, path), 204);
  });

  it('POST /uploads/ without a session is 401 unauthenticated', async () => {
    const anon = new Client(server.url);
    const res = await createUpload(anon, { submission: aliceAward, kind: 'document', filename: 'a.pdf' }, 100);
    expectError(assert, res, 401, 'unauthenticated');
    expectTus(res);
  });

  it('POST /uploads/ without X-CSRF-Token is 403 csrf', async () => {
    const meta = { submission: aliceAward, kind: 'document', filename: 'a.pdf' };
    const res = await createUpload(alice, meta, 100, { csrf: false });
    expectError(assert, res, 403, 'csrf');
    expectTus(res);
    expectError(assert, await createUpload(alice, meta, 100, { csrf: 'not-the-token' }), 403, 'csrf');
  });

  it('POST /uploads/ with a missing or malformed Upload-Length or Upload-Metadata, a missing key or Upload-Defer-Length is 400 bad_request', async () => {
    const meta = { submission: aliceAward, kind: 'document', filename: 'a.pdf' };
    const cases = [
      ['no Upload-Length', () => createUpload(alice, meta, null)],
      ['Upload-Length abc', () => createUpload(alice, meta, 'abc')],
      ['Upload-Length -5', () => createUpload(alice, meta, '-5')],
      ['Upload-Length 1.5', () => createUpload(alice, meta, '1.5')],
      ['no Upload-Metadata', () => createUpload(alice, null, 100)],
      ['value not base64', () => createUpload(alice, null, 100,
        { metadata: `${encodeMetadata({ submission: aliceAward, kind: 'document' })},filename !!!***` })],
      ['garbage metadata', () => createUpload(alice, null, 100, { metadata: ',,, ,' })],
      ['no submission', () => createUpload(alice, { kind: 'document', filename: 'a.pdf' }, 100)],
      ['no kind', () => createUpload(alice, { submission: aliceAward, filename: 'a.pdf' }, 100)],
      ['no filename', () => createUpload(alice, { submission: aliceAward, kind: 'document' }, 100)],
      ['Upload-Defer-Length', () => createUpload(alice, meta, null, { headers: { 'Upload-Defer-Length': '1' } })],
    ];
    for (const [label, make] of cases) {
      const res = await make();
      assert.equal(res.status, 400, `${label}: ${show(res)}`);
      expectError(assert, res, 400, 'bad_request');
      expectTus(res);
    }
  });

  it('POST /uploads/ naming an entry that does not exist is 404 not_found', async () => {
    const res = await createUpload(alice, { submission: 'no-such-entry-0', kind: 'document', filename: 'a.pdf' }, 100);
    expectError(assert, res, 404, 'not_found');
    expectTus(res);
  });

  // ---- the whole way: image and video ------------------------------------------------------

  it('an image sent in three PATCHes becomes a material with the contract fields, its sha256, then ready with width, height and a JPEG thumbnail', async () => {
    const bytes = pngBytes(200, 150, 3);
    const size = bytes.length;
    const created = await createUpload(alice, { submission: aliceCase, kind: 'image', filename: 'site-photo.png' }, size);
    expectTusStatus(created, 201);
    const location = created.headers.get('location');
    assert.match(location || '', /(^|\/)uploads\/[^/]+$/, show(created));
    const path = location.replace(/^https?:\/\/[^/]+/, '');
    expectFutureHttpDate(created.headers.get('upload-expires'), 'Upload-Expires');

    const h0 = await headUpload(alice, path);
    expectTusStatus(h0, 200);
    assert.equal(h0.headers.get('upload-offset'), '0', show(h0));
    assert.equal(h0.headers.get('upload-length'), String(size), show(h0));
    assert.match(h0.headers.get('cache-control') || '', /no-store/, show(h0));
    expectFutureHttpDate(h0.headers.get('upload-expires'), 'HEAD Upload-Expires');

    const cuts = [0, Math.floor(size / 3), Math.floor((2 * size) / 3), size];
    let materialId = null;
    for (let i = 0; i < 3; i++) {
      const res = await patchUpload(alice, path, cuts[i], bytes.subarray(cuts[i], cuts[i + 1]));
      expectTusStatus(res, 204);
      assert.equal(res.headers.get('upload-offset'), String(cuts[i + 1]), show(res));
      if (i < 2) {
        assert.equal(res.headers.get('laurel-material'), null, `no Laurel-Material before the end; ${show(res)}`);
        const h = await headUpload(alice, path);
        expectTusStatus(h, 200);
        assert.equal(h.headers.get('upload-offset'), String(cuts[i + 1]), `HEAD shows progress; ${show(h)}`);
      } else {
        materialId = res.headers.get('laurel-material');
        assert.ok(materialId, `the last PATCH carries Laurel-Material; ${show(res)}`);
      }
    }

    const m0 = await getMaterial(alice, aliceCase, materialId);
    assert.ok(m0, `material ${materialId} is listed with the entry`);
    for (const k of MATERIAL_FIELDS) assert.ok(k in m0, `material has ${k}: ${JSON.stringify(m0)}`);
    assert.equal(String(m0.id), String(materialId));
    assert.equal(m0.kind, 'image');
    assert.equal(m0.filename, 'site-photo.png');
    assert.equal(Number(m0.size), size);
    assert.equal(m0.sha256, sha256hex(bytes));
    assert.equal(m0.content_type, 'image/png');
    assert.ok(['processing', 'ready'].includes(m0.status), `status ${m0.status}`);
    assert.equal(m0.error, null);
    assert.equal(typeof m0.caption, 'object');
    assert.ok(m0.caption && 'zh' in m0.caption && 'en' in m0.caption, JSON.stringify(m0.caption));
    assert.ok(Number.isInteger(m0.position), `position ${m0.position}`);
    assert.match(String(m0.created_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    assert.equal(typeof m0.content, 'string');

    const m = await waitMaterial(alice, aliceCase, materialId);
    assert.equal(m.status, 'ready', `ready within 20 s: ${JSON.stringify(m)}`);
    assert.equal(m.width, 200);
    assert.equal(m.height, 150);
    assert.equal(typeof m.thumbnail, 'string', JSON.stringify(m));
    const thumb = await alice.request('GET', serverPath(m.thumbnail));
    expectStatus(assert, thumb, 200);
    assert.match(thumb.headers.get('content-type') || '', /^image\/jpeg/);
    assert.ok(isJpeg(thumb.bytes), 'the thumbnail is a JPEG');
    const content = await alice.request('GET', contentPath(m));
    expectStatus(assert, content, 200);
    assert.equal(sha256hex(content.bytes), sha256hex(bytes), 'the content is the uploaded file');
    assert.match(content.headers.get('content-type') || '', /^image\/png/);
    // The finished upload is no longer in progress: PATCHing more is refused.
    const more = await patchUpload(alice, path, size, Buffer.alloc(1));
    assert.ok(more.status >= 400, `a PATCH after the end is refused; ${show(more)}`);
  });

  it('a 2 s 320x240 MP4 becomes a ready video with duration about 2, width 320, height 240 and a JPEG poster', async () => {
    const bytes = await mp4Bytes({ duration: 2, size: '320x240', rate: 10 });
    const up = await uploadFile(alice, aliceCase, 'video', 'testsrc.mp4', bytes, { chunks: 2 });
    const m = await waitMaterial(alice, aliceCase, up.materialId);
    assert.equal(m.status, 'ready', `ready within 20 s: ${JSON.stringify(m)}`);
    assert.equal(m.kind, 'video');
    assert.equal(m.content_type, 'video/mp4');
    assert.equal(m.sha256, sha256hex(bytes));
    assert.equal(Number(m.size), bytes.length);
    assert.ok(Math.abs(Number(m.duration) - 2) < 0.3, `duration ${m.duration}`);
    assert.equal(m.width, 320);
    assert.equal(m.height, 240);
    assert.equal(typeof m.thumbnail, 'string', JSON.stringify(m));
    const poster = await alice.request('GET', serverPath(m.thumbnail));
    expectStatus(assert, poster, 200);
    assert.match(poster.headers.get('content-type') || '', /^image\/jpeg/);
    assert.ok(isJpeg(poster.bytes), 'the poster is a JPEG');
  });

  // ---- PATCH refusals ----------------------------------------------------------------------

  it('PATCH with an Upload-Offset other than the current one is 409 and keeps nothing', async () => {
    const bytes = pdfBytes();
    const path = await mustCreate(alice, { submission: aliceAward, kind: 'document', filename: 'o.pdf' }, bytes.length);
    const ahead = await patchUpload(alice, path, 5, bytes.subarray(5, 20));
    expectTusStatus(ahead, 409);
    assert.equal((await headUpload(alice, path)).headers.get('upload-offset'), '0');
    expectTusStatus(await patchUpload(alice, path, 0, bytes.subarray(0, 50)), 204);
    const behind = await patchUpload(alice, path, 0, bytes.subarray(0, 50));
    expectTusStatus(behind, 409);
    assert.equal((await headUpload(alice, path)).headers.get('upload-offset'), '50');
    expectTusStatus(await deleteUpload(alice, path), 204);
  });

  it('PATCH with a Content-Type other than application/offset+octet-stream is 415', async () => {
    const path = await mustCreate(alice, { submission: aliceAward, kind: 'document', filename: 'c.pdf' }, 100);
    const res = await patchUpload(alice, path, 0, Buffer.alloc(10), { contentType: 'application/octet-stream' });
    expectTusStatus(res, 415);
    const json = await patchUpload(alice, path, 0, Buffer.from('{}'), { contentType: 'application/json' });
    expectTusStatus(json, 415);
    assert.equal((await headUpload(alice, path)).headers.get('upload-offset'), '0');
    expectTusStatus(await deleteUpload(alice, path), 204);
  });

  it('PATCH with a correct sha256 or sha1 Upload-Checksum is accepted (204)', async () => {
    const bytes = pdfBytes();
    const half = Math.floor(bytes.length / 2);
    const path = await mustCreate(alice, { submission: aliceAward, kind: 'document', filename: 'sum.pdf' }, bytes.length);
    const a = bytes.subarray(0, half);
    const b = bytes.subarray(half);
    const r1 = await patchUpload(alice, path, 0, a, { checksum: `sha256 ${sha256b64(a)}` });
    expectTusStatus(r1, 204);
    assert.equal(r1.headers.get('upload-offset'), String(half));
    const r2 = await patchUpload(alice, path, half, b, { checksum: `sha1 ${sha1b64(b)}` });
    expectTusStatus(r2, 204);
    assert.equal(r2.headers.get('upload-offset'), String(bytes.length));
    const m = await getMaterial(alice, aliceAward, r2.headers.get('laurel-material'));
    assert.equal(m && m.sha256, sha256hex(bytes));
  });

  it('PATCH whose Upload-Checksum does not match is 460 and HEAD shows the offset unchanged', async () => {
    const bytes = pdfBytes();
    const path = await mustCreate(alice, { submission: aliceAward, kind: 'document', filename: 'bad-sum.pdf' }, bytes.length);
    expectTusStatus(await patchUpload(alice, path, 0, bytes.subarray(0, 40)), 204);
    const part = bytes.subarray(40, 100);
    const wrong = await patchUpload(alice, path, 40, part, { checksum: `sha256 ${sha256b64(Buffer.from('other bytes'))}` });
    expectTusStatus(wrong, 460);
    assert.equal((await headUpload(alice, path)).headers.get('upload-offset'), '40', 'nothing of that request is kept');
    const wrong1 = await patchUpload(alice, path, 40, part, { checksum: `sha1 ${sha1b64(Buffer.from('x'))}` });
    expectTusStatus(wrong1, 460);
    assert.equal((await headUpload(alice, path)).headers.get('upload-offset'), '40');
    // The same bytes with the right checksum go on from there, and the file is intact.
    const rest = bytes.subarray(40);
    const ok = await patchUpload(alice, path, 40, rest, { checksum: `sha256 ${sha256b64(rest)}` });
    expectTusStatus(ok, 204);
    const m = await getMaterial(alice, aliceAward, ok.headers.get('laurel-material'));
    assert.equal(m && m.sha256, sha256hex(bytes));
  });

  it('PATCH with an unknown checksum algorithm is 400', async () => {
    const path = await mustCreate(alice, { submission: aliceAward, kind: 'document', filename: 'md5.pdf' }, 100);
    const body = Buffer.alloc(10, 1);
    const res = await patchUpload(alice, path, 0, body, { checksum: 'md5 CY9rzUYh03PK3k6DJie09g==' });
    expectTusStatus(res, 400);
    assert.equal((await headUpload(alice, path)).headers.get('upload-offset'), '0');
    expectTusStatus(await deleteUpload(alice, path), 204);
  });

  it('PATCH with more bytes than Upload-Length is 413', async () => {
    const path = await mustCreate(alice, { submission: aliceAward, kind: 'document', filename: 'long.pdf' }, 10);
    const res = await patchUpload(alice, path, 0, Buffer.alloc(20, 0x41));
    expectTusStatus(res, 413);
    const h = await headUpload(alice, path);
    expectTusStatus(h, 200);
    assert.ok(Number(h.headers.get('upload-offset')) <= 10, show(h));
    expectTusStatus(await deleteUpload(alice, path), 204);
  });

  it('a connection dropped in the middle of a PATCH keeps what arrived and HEAD tells where to go on', async () => {
    const bytes = await largeMp4(3 * MiB);
    const path = await mustCreate(alice, { submission: aliceCase, kind: 'video', filename: 'dropped.mp4' }, bytes.length);
    const first = await streamPatch(server, alice, path, bytes, 0, { stopAfter: 2 * MiB, chunk: 256 * 1024 });
    await sleep(300);
    first.req.destroy();
    await sleep(300);
    const h = await headUpload(alice, path);
    expectTusStatus(h, 200);
    const offset = Number(h.headers.get('upload-offset'));
    assert.ok(offset > 0 && offset <= first.sent, `offset ${offset} in (0, ${first.sent}]`);
    const rest = await patchUpload(alice, path, offset, bytes.subarray(offset));
    expectTusStatus(rest, 204);
    const m = await getMaterial(alice, aliceCase, rest.headers.get('laurel-material'));
    assert.equal(m && m.sha256, sha256hex(bytes));
    expectStatus(assert, await alice.del(`/materials/${m.id}`), 204);
  });

  it('DELETE /uploads/{id} terminates the upload: 204, then HEAD is 404', async () => {
    const path = await mustCreate(alice, { submission: aliceAward, kind: 'document', filename: 'gone.pdf' }, 100);
    const partial = Buffer.alloc(30, 0x25);
    expectTusStatus(await patchUpload(alice, path, 0, partial), 204);
    const del = await deleteUpload(alice, path);
    expectTusStatus(del, 204);
    const uploadId = path.split('/').pop();
    const left = storedFiles(server.files)
      .filter((f) => f.name.includes(uploadId) || f.sha256 === sha256hex(partial));
    assert.deepEqual(left.map((f) => f.path), [], 'the partial file is removed');
    expectTusStatus(await headUpload(alice, path), 404);
    const patch = await patchUpload(alice, path, 30, Buffer.alloc(10));
    expectTusStatus(patch, 404);
  });

  // ---- types are sniffed -------------------------------------------------------------------

  it('plain text uploaded as a video becomes a rejected material with an error, and its content is 404', async () => {
    const bytes = textBytes();
    const up = await uploadFile(alice, sniffCase, 'video', 'movie.mp4', bytes);
    const m = await waitMaterial(alice, sniffCase, up.materialId);
    assert.equal(m && m.status, 'rejected', JSON.stringify(m));
    assert.equal(typeof m.error, 'string');
    assert.ok(m.error.length > 0, 'a rejected material says why');
    assert.doesNotMatch(m.error, /\{[a-z_]+\}/, `the message has its placeholders filled in: ${m.error}`);
    assert.equal(m.content_type === 'video/mp4', false, `the sniffed type is reported: ${m.content_type}`);
    expectStatus(assert, await alice.request('GET', contentPath(m)), 404);
    expectStatus(assert, await alice.request('GET', `/api/v1/materials/${m.id}/thumbnail`), 404);
    const kept = storedFiles(server.files).filter((f) => f.sha256 === sha256hex(bytes));
    assert.deepEqual(kept.map((f) => f.path), [], 'the rejected bytes are deleted from the files directory');
  });

  it('PNG bytes uploaded as a video are rejected', async () => {
    const up = await uploadFile(alice, sniffCase, 'video', 'not-a-video.mp4', pngBytes(40, 30, 9));
    const m = await waitMaterial(alice, sniffCase, up.materialId);
    assert.equal(m && m.status, 'rejected', JSON.stringify(m));
    assert.ok(typeof m.error === 'string' && m.error.length > 0, JSON.stringify(m));
    expectStatus(assert, await alice.request('GET', contentPath(m)), 404);
  });

  it('PNG bytes named x.pdf uploaded as a document are rejected (the extension is never trusted)', async () => {
    const up = await uploadFile(alice, aliceAward, 'document', 'x.pdf', pngBytes(40, 30, 10));
    const m = await waitMaterial(alice, aliceAward, up.materialId);
    assert.equal(m && m.status, 'rejected', JSON.stringify(m));
    assert.ok(typeof m.error === 'string' && m.error.length > 0, JSON.stringify(m));
    expectStatus(assert, await alice.request('GET', contentPath(m)), 404);
  });

  it("materials with the same bytes are independent: rejecting or deleting one leaves the other's content", async () => {
    const bytes = pngBytes(30, 20, 40);
    const kept = await uploadFile(alice, sniffCase, 'image', 'kept.png', bytes);
    assert.equal((await waitMaterial(alice, sniffCase, kept.materialId)).status, 'ready');
    // The same bytes as a video are rejected (and the rejected copy's bytes deleted)…
    const asVideo = await uploadFile(alice, sniffCase, 'video', 'same.mp4', bytes);
    assert.equal((await waitMaterial(alice, sniffCase, asVideo.materialId)).status, 'rejected');
    // …and the same bytes as a second image, deleted.
    const twin = await uploadFile(alice, sniffCase, 'image', 'twin.png', bytes);
    expectStatus(assert, await alice.del(`/materials/${twin.materialId}`), 204);
    const m = await getMaterial(alice, sniffCase, kept.materialId);
    const content = await alice.request('GET', contentPath(m));
    expectStatus(assert, content, 200);
    assert.equal(sha256hex(content.bytes), sha256hex(bytes));
    expectStatus(assert, await alice.request('GET', serverPath(m.thumbnail)), 200);
  });

  // ---- limits ------------------------------------------------------------------------------

  it("an Upload-Length over the kind's largest file is 413 too_large naming the limit; exactly the limit is accepted", async () => {
    const entry = await createDraft(alice, CASE, 'digital-economy', {});
    const tooBig = [
      ['image', 20 * MiB, /20\s*MiB|20971520/],
      ['document', 50 * MiB, /50\s*MiB|52428800/],
      ['video', 2 * GiB, /2\s*GiB|2147483648/],
    ];
    for (const [kind, limit, named] of tooBig) {
      const res = await createUpload(alice, { submission: entry, kind, filename: `big.${kind}` }, limit + 1);
      expectError(assert, res, 413, 'too_large');
      expectTus(res);
      assert.match(res.body.error.message, named, `${kind}: the message names the limit`);
    }
    // The message is in the caller's language.
    const en = await createUpload(alice, { submission: entry, kind: 'image', filename: 'big.png' }, 20 * MiB + 1,
      { headers: { 'Accept-Language': 'en' } });
    expectError(assert, en, 413, 'too_large');
    assert.match(en.body.error.message, /20\s*MiB/, en.text);
    assert.doesNotMatch(en.body.error.message, /[\u4e00-\u9fff]/, `an English message: ${en.text}`);
    const exact = await createUpload(alice, { submission: entry, kind: 'image', filename: 'exact.png' }, 20 * MiB);
    expectTusStatus(exact, 201);
    expectTusStatus(await deleteUpload(alice, exact.headers.get('location').replace(/^https?:\/\/[^/]+/, '')), 204);
  });

  it('an entry holds at most 4 GiB: two 2 GiB videos are accepted before any byte is sent, a third upload is 413 naming the limit', async () => {
    const carol = await newApplicant(server);
    const entry = await createDraft(carol, CASE, 'cybersecurity', {});
    const a = await mustCreate(carol, { submission: entry, kind: 'video', filename: 'a.mp4' }, 2 * GiB);
    const b = await mustCreate(carol, { submission: entry, kind: 'video', filename: 'b.mp4' }, 2 * GiB);
    const third = await createUpload(carol, { submission: entry, kind: 'image', filename: 'c.png' }, 1024);
    expectError(assert, third, 413, 'too_large');
    assert.match(third.body.error.message, /4\s*GiB|4294967296/, 'the message names the entry quota');
    // Another entry of the same account is not limited by this one's quota.
    const other = await createDraft(carol, CASE, 'cybersecurity', {});
    const ok = await mustCreate(carol, { submission: other, kind: 'image', filename: 'd.png' }, 1024);
    for (const p of [a, b, ok]) expectTusStatus(await deleteUpload(carol, p), 204);
  });

  it('a kind the call does not ask for (audio in the award) is 422 invalid', async () => {
    const res = await createUpload(alice, { submission: aliceAward, kind: 'audio', filename: 'talk.mp3' }, 1000);
    expectError(assert, res, 422, 'invalid');
    expectTus(res);
  });

  it('a case entry takes at most 3 videos: creating a 4th upload is 422 invalid', async () => {
    const entry = await createDraft(alice, CASE, 'network-infrastructure', {});
    const clip = await tinyMp4();
    for (let i = 0; i < 3; i++) await uploadFile(alice, entry, 'video', `clip-${i}.mp4`, clip);
    const res = await createUpload(alice, { submission: entry, kind: 'video', filename: 'clip-4.mp4' }, clip.length);
    expectError(assert, res, 422, 'invalid');
    // Images are still welcome.
    await uploadFile(alice, entry, 'image', 'p.png', pngBytes(16, 16));
  });

  it('a withdrawn entry takes uploads, as it takes edits, and can then be submitted again with them', async () => {
    const entry = await createDraft(alice, AWARD, 'key-technology', await fullAwardFields(alice, 'key-technology'));
    await attachRequired(alice, entry, 'award');
    expectStatus(assert, await alice.post(`/submissions/${entry}/submit`, {}), 200);
    expectStatus(assert, await alice.post(`/submissions/${entry}/withdraw`, {}), 200);
    const res = await createUpload(alice, { submission: entry, kind: 'document', filename: 'late.pdf' }, 100);
    expectStatus(assert, res, 201);
    expectStatus(assert, await alice.post(`/submissions/${entry}/submit`, {}), 200);
  });

  // ---- file names --------------------------------------------------------------------------

  it("file names with path parts, control characters or quotes are neutralised: no '/', '\\\\' or control characters, and a well-formed Content-Disposition", async () => {
    const names = ['../../etc/passwd', '..\\..\\windows\\win.ini', 'line1\nline2\r\u0007bell\ttab.png',
      'say "hi"; filename=evil.png', '/abs/path/\u0000nul.png'];
    for (const name of names) {
      const up = await uploadFile(alice, namesCase, 'image', name, pngBytes(24, 16, 11));
      const m = await getMaterial(alice, namesCase, up.materialId);
      assert.ok(m, `material for ${JSON.stringify(name)}`);
      assert.equal(typeof m.filename, 'string');
      assert.ok(m.filename.length > 0, `non-empty name for ${JSON.stringify(name)}`);
      assert.ok(!m.filename.includes('/') && !m.filename.includes('\\'),
        `${JSON.stringify(name)} -> ${JSON.stringify(m.filename)} has no path separator`);
      assert.ok(!CONTROL.test(m.filename), `${JSON.stringify(name)} -> ${JSON.stringify(m.filename)} has no control characters`);
      assert.notEqual(m.filename, '..');
      const content = await alice.request('GET', contentPath(m));
      expectStatus(assert, content, 200);
      const cdHeader = content.headers.get('content-disposition');
      let cd;
      assert.doesNotThrow(() => { cd = parseContentDisposition(cdHeader); },
        `well-formed Content-Disposition for ${JSON.stringify(name)}: ${cdHeader}`);
      assert.equal(cd.type, 'inline', cdHeader);
      for (const v of [cd.filename, cd.filenameStar]) {
        if (v === undefined) continue;
        assert.ok(!v.includes('/') && !v.includes('\\') && !CONTROL.test(v), `${cdHeader}`);
      }
      if (cd.filenameStar !== undefined) assert.equal(cd.filenameStar, m.filename, cdHeader);
    }
  });

  it('a Chinese file name (案例图片.png) is kept in the material and in Content-Disposition filename* (RFC 5987)', async () => {
    const name = '案例图片.png';
    const up = await uploadFile(alice, namesCase, 'image', name, pngBytes(24, 16, 12));
    const m = await getMaterial(alice, namesCase, up.materialId);
    assert.equal(m.filename, name);
    const content = await alice.request('GET', contentPath(m));
    expectStatus(assert, content, 200);
    const cdHeader = content.headers.get('content-disposition');
    const cd = parseContentDisposition(cdHeader);
    assert.equal(cd.filenameStar, name, `filename* carries the name: ${cdHeader}`);
    assert.ok(cd.filename !== undefined, `an ASCII filename fallback: ${cdHeader}`);
    assert.match(cdHeader, /filename\*=UTF-8''%E6%A1%88%E4%BE%8B%E5%9B%BE%E7%89%87\.png/i, cdHeader);
  });

  // ---- isolation ---------------------------------------------------------------------------

  it("POST /uploads/ naming another applicant's entry is 404 not_found", async () => {
    const res = await createUpload(bob, { submission: aliceAward, kind: 'document', filename: 'b.pdf' }, 100);
    expectError(assert, res, 404, 'not_found');
  });

  it("HEAD, PATCH and DELETE of another applicant's upload are 404 and change nothing", async () => {
    const path = await mustCreate(alice, { submission: aliceAward, kind: 'document', filename: 'mine.pdf' }, 100);
    expectTusStatus(await patchUpload(alice, path, 0, Buffer.alloc(10, 0x30)), 204);
    expectTusStatus(await headUpload(bob, path), 404);
    expectTusStatus(await patchUpload(bob, path, 10, Buffer.alloc(10, 0x31)), 404);
    expectTusStatus(await deleteUpload(bob, path), 404);
    const h = await headUpload(alice, path);
    expectTusStatus(h, 200);
    assert.equal(h.headers.get('upload-offset'), '10');
    expectTusStatus(await headUpload(alice, '/uploads/no-such-upload'), 404);
    expectTusStatus(await deleteUpload(alice, path), 204);
  });

  it("another applicant's material is 404 (content, thumbnail, caption, delete, order); an organiser can read it", async () => {
    const { bytes, m } = await sharedImage();
    expectStatus(assert, await bob.request('GET', contentPath(m)), 404);
    expectStatus(assert, await bob.request('GET', `/api/v1/materials/${m.id}/thumbnail`), 404);
    expectStatus(assert, await bob.patch(`/materials/${m.id}`, { caption: { zh: '劫持', en: 'Hijacked' } }), 404);
    expectStatus(assert, await bob.del(`/materials/${m.id}`), 404);
    expectStatus(assert, await bob.api('PUT', `/submissions/${aliceCase}/materials/order`, { json: { order: [m.id] } }), 404);
    // bob's own entry cannot adopt it either.
    const adopt = await bob.api('PUT', `/submissions/${bobCase}/materials/order`, { json: { order: [m.id] } });
    assert.ok([400, 404, 422].includes(adopt.status), show(adopt));
    const still = await getMaterial(alice, aliceCase, m.id);
    assert.ok(still, 'still there');
    assert.notEqual(still.caption && still.caption.en, 'Hijacked');
    const content = await admin.request('GET', contentPath(m));
    expectStatus(assert, content, 200);
    assert.equal(sha256hex(content.bytes), sha256hex(bytes));
    const thumb = await admin.request('GET', serverPath(m.thumbnail));
    expectStatus(assert, thumb, 200);
    assert.ok(isJpeg(thumb.bytes));
  });

  // ---- content: ranges and headers ---------------------------------------------------------

  it('content answers Range bytes=0-9 with 206, Content-Range bytes 0-9/<size> and the first 10 bytes', async () => {
    const { bytes, m } = await sharedImage();
    const res = await alice.request('GET', contentPath(m), { headers: { Range: 'bytes=0-9' } });
    expectStatus(assert, res, 206);
    assert.equal(res.headers.get('content-range'), `bytes 0-9/${bytes.length}`);
    assert.deepEqual(Buffer.from(res.bytes), bytes.subarray(0, 10));
  });

  it('content answers a suffix Range bytes=-5 with the last 5 bytes', async () => {
    const { bytes, m } = await sharedImage();
    const n = bytes.length;
    const res = await alice.request('GET', contentPath(m), { headers: { Range: 'bytes=-5' } });
    expectStatus(assert, res, 206);
    assert.equal(res.headers.get('content-range'), `bytes ${n - 5}-${n - 1}/${n}`);
    assert.deepEqual(Buffer.from(res.bytes), bytes.subarray(n - 5));
  });

  it('content answers an unsatisfiable Range with 416', async () => {
    const { bytes, m } = await sharedImage();
    const res = await alice.request('GET', contentPath(m), { headers: { Range: `bytes=${bytes.length + 10}-` } });
    expectStatus(assert, res, 416);
  });

  it('content of an image is inline, of a document an attachment; both with Accept-Ranges bytes and nosniff', async () => {
    const img = await sharedImage();
    const doc = await sharedDocument();
    const a = await alice.request('GET', contentPath(img.m));
    expectStatus(assert, a, 200);
    assert.equal(parseContentDisposition(a.headers.get('content-disposition')).type, 'inline');
    assert.equal(a.headers.get('accept-ranges'), 'bytes');
    assert.equal((a.headers.get('x-content-type-options') || '').toLowerCase(), 'nosniff');
    assert.match(a.headers.get('content-type') || '', /^image\/png/);
    const d = await alice.request('GET', contentPath(doc.m));
    expectStatus(assert, d, 200);
    const cd = parseContentDisposition(d.headers.get('content-disposition'));
    assert.equal(cd.type, 'attachment');
    assert.ok(cd.filename === 'report.pdf' || cd.filenameStar === 'report.pdf', d.headers.get('content-disposition'));
    assert.equal(d.headers.get('accept-ranges'), 'bytes');
    assert.equal((d.headers.get('x-content-type-options') || '').toLowerCase(), 'nosniff');
    assert.match(d.headers.get('content-type') || '', /^application\/pdf/);
    assert.deepEqual(Buffer.from(d.bytes), doc.bytes);
  });

  // ---- caption, order, delete --------------------------------------------------------------

  it('PATCH /materials/{id} sets the caption (200, the material) and the entry shows it', async () => {
    const { m } = await sharedImage();
    const caption = { zh: '现场照片', en: 'On-site photo' };
    const res = await alice.patch(`/materials/${m.id}`, { caption });
    expectStatus(assert, res, 200);
    assert.deepEqual(res.body.caption, caption);
    assert.equal(String(res.body.id), String(m.id));
    const got = await getMaterial(alice, aliceCase, m.id);
    assert.deepEqual(got.caption, caption);
  });

  it('PUT /submissions/{id}/materials/order reorders the materials', async () => {
    const entry = await createDraft(alice, CASE, 'cultural-exchange', {});
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await uploadFile(alice, entry, 'image', `p${i}.png`, pngBytes(16, 16, 20 + i))).materialId);
    }
    assert.deepEqual((await getMaterials(alice, entry)).map((x) => String(x.id)), ids.map(String),
      'listed in upload order');
    const order = [ids[2], ids[0], ids[1]];
    const res = await alice.api('PUT', `/submissions/${entry}/materials/order`, { json: { order } });
    expectStatus(assert, res, 200);
    assert.deepEqual(res.body.materials.map((x) => String(x.id)), order.map(String));
    const listed = await getMaterials(alice, entry);
    assert.deepEqual(listed.map((x) => String(x.id)), order.map(String));
    const pos = listed.map((x) => x.position);
    assert.deepEqual([...pos].sort((p, q) => p - q), pos, 'positions follow the order');
    // Not every material, or one twice: refused.
    const partial = await alice.api('PUT', `/submissions/${entry}/materials/order`, { json: { order: [ids[0], ids[1]] } });
    assert.ok(partial.status === 400 || partial.status === 422, show(partial));
    const twice = await alice.api('PUT', `/submissions/${entry}/materials/order`, { json: { order: [ids[0], ids[0], ids[1]] } });
    assert.ok(twice.status === 400 || twice.status === 422, show(twice));
  });

  it('DELETE /materials/{id} is 204 and the material is gone from the entry', async () => {
    const up = await uploadFile(alice, aliceAward, 'document', 'drop-me.pdf', pdfBytes());
    assert.ok(await getMaterial(alice, aliceAward, up.materialId));
    expectStatus(assert, await alice.del(`/materials/${up.materialId}`), 204);
    assert.equal(await getMaterial(alice, aliceAward, up.materialId), null);
    expectStatus(assert, await alice.request('GET', `/api/v1/materials/${up.materialId}/content`), 404);
    expectStatus(assert, await alice.del(`/materials/${up.materialId}`), 404);
  });

  // ---- submitting ---------------------------------------------------------------------------

  it('submitting a case without materials is 422 with materials.image and materials.video; with them it is submitted', async () => {
    const entry = await createDraft(alice, CASE, 'cybersecurity', await fullCaseFields(alice, 'cybersecurity'));
    const res = await alice.post(`/submissions/${entry}/submit`, {});
    expectError(assert, res, 422, 'invalid');
    assert.deepEqual(Object.keys(errorFields(res)).sort(), ['materials.image', 'materials.video'], res.text);
    for (const v of Object.values(errorFields(res))) assert.ok(typeof v === 'string' && v.length > 0);
    // An image alone is not enough.
    await uploadFile(alice, entry, 'image', 'only.png', pngBytes(16, 16, 30));
    const still = await alice.post(`/submissions/${entry}/submit`, {});
    expectError(assert, still, 422, 'invalid');
    assert.deepEqual(Object.keys(errorFields(still)), ['materials.video'], still.text);
    await uploadFile(alice, entry, 'video', 'clip.mp4', await tinyMp4());
    const ok = await alice.post(`/submissions/${entry}/submit`, {});
    expectStatus(assert, ok, 200);
    assert.equal(ok.body.status, 'submitted');
  });

  it('submitting an award entry whose only document was rejected is 422 materials.document; a real PDF makes it submittable', async () => {
    const entry = await createDraft(alice, AWARD, 'engineering-rd', await fullAwardFields(alice, 'engineering-rd'));
    const none = await alice.post(`/submissions/${entry}/submit`, {});
    expectError(assert, none, 422, 'invalid');
    assert.deepEqual(Object.keys(errorFields(none)), ['materials.document'], none.text);
    const bad = await uploadFile(alice, entry, 'document', 'fake.pdf', pngBytes(16, 16, 31));
    const rejected = await waitMaterial(alice, entry, bad.materialId);
    assert.equal(rejected.status, 'rejected');
    const still = await alice.post(`/submissions/${entry}/submit`, {});
    expectError(assert, still, 422, 'invalid');
    assert.deepEqual(Object.keys(errorFields(still)), ['materials.document'], still.text);
    await attachRequired(alice, entry, 'award');
    const ok = await alice.post(`/submissions/${entry}/submit`, {});
    expectStatus(assert, ok, 200);
    assert.equal(ok.body.status, 'submitted');
  });
});

describe('uploads: expiry, the account quota and the deadline', () => {
  let server;
  let dave;
  // A call with a document rule whose deadline passes while the other tests here run.
  let deadlineMs;
  let lateEntry;
  let lateMaterial;
  before(async () => {
    server = await startServer({ extraArgs: ['--upload-expiry', '2', '--account-quota', String(25 * MiB)] });
    dave = await newApplicant(server);
    const admin = await adminClient(server);
    deadlineMs = Math.floor((Date.now() + 5000) / 1000) * 1000;
    const toml = `${callToml({ slug: 'upload-deadline', prefix: 'UD25', deadline: shanghaiLocal(new Date(deadlineMs)) })}
[[call.material]]
kind = "document"
label = { zh = "证明材料", en = "Documents" }
hint = { zh = "至少 1 份。", en = "At least one." }
required = true
min = 1
max = 3
max_size = "1 MiB"
`;
    const load = await admin.api('POST', '/admin/calls', { body: toml, headers: { 'Content-Type': 'application/toml' } });
    expectStatus(assert, load, 200);
    lateEntry = await createDraft(dave, 'upload-deadline', 'only', await fullAwardFields(dave, 'only', 'upload-deadline'));
    lateMaterial = (await uploadFile(dave, lateEntry, 'document', 'before.pdf', pdfBytes())).materialId;
    assert.ok(Date.now() < deadlineMs - 1000, 'set up before the deadline');
  });
  after(async () => { if (server) await server.stop(); });

  it('an account holds at most --account-quota bytes across its entries: 413 naming the limit', async () => {
    const [e1, e2] = await Promise.all([
      createDraft(dave, CASE, 'digital-economy', {}), createDraft(dave, CASE, 'cybersecurity', {}),
    ]);
    const first = await createUpload(dave, { submission: e1, kind: 'image', filename: 'a.png' }, 20 * MiB);
    expectTusStatus(first, 201);
    const second = await createUpload(dave, { submission: e2, kind: 'image', filename: 'b.png' }, 10 * MiB);
    expectError(assert, second, 413, 'too_large');
    assert.match(second.body.error.message, /25\s*MiB|26214400/, 'the message names the account quota');
  });

  it('an unfinished upload expires after --upload-expiry: HEAD and PATCH are then 410 (or 404 once cleaned)', async () => {
    const entry = await createDraft(dave, AWARD, 'basic-research', {});
    const bytes = pdfBytes();
    const created = await createUpload(dave, { submission: entry, kind: 'document', filename: 'slow.pdf' }, bytes.length);
    expectTusStatus(created, 201);
    const path = created.headers.get('location').replace(/^https?:\/\/[^/]+/, '');
    const expires = Date.parse(created.headers.get('upload-expires'));
    assert.ok(expires - Date.now() < 10_000, `Upload-Expires about 2 s ahead: ${created.headers.get('upload-expires')}`);
    expectTusStatus(await patchUpload(dave, path, 0, bytes.subarray(0, 20)), 204);
    await sleep(4000);
    const h = await headUpload(dave, path);
    assert.ok([404, 410].includes(h.status), `HEAD after expiry: ${show(h)}`);
    expectTus(h);
    const p = await patchUpload(dave, path, 20, bytes.subarray(20));
    assert.ok([404, 410].includes(p.status), `PATCH after expiry: ${show(p)}`);
    expectTus(p);
  });

  it('after the deadline an entry takes no uploads (409 deadline_passed) and its materials cannot change, but can be read', async () => {
    await sleep(Math.max(0, deadlineMs - Date.now()) + 1200);
    const res = await createUpload(dave, { submission: lateEntry, kind: 'document', filename: 'late.pdf' }, 100);
    expectError(assert, res, 409, 'deadline_passed');
    expectTus(res);
    expectError(assert, await dave.patch(`/materials/${lateMaterial}`, { caption: { zh: '迟', en: 'Late' } }), 409, 'deadline_passed');
    expectError(assert, await dave.api('PUT', `/submissions/${lateEntry}/materials/order`, { json: { order: [lateMaterial] } }), 409, 'deadline_passed');
    expectError(assert, await dave.del(`/materials/${lateMaterial}`), 409, 'deadline_passed');
    const m = await getMaterial(dave, lateEntry, lateMaterial);
    assert.ok(m, 'still listed');
    expectStatus(assert, await dave.request('GET', contentPath(m)), 200);
  });
});

describe('uploads: kill -9 in the middle of a large upload', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { if (server) await server.stop(); });

  it('after kill -9 at >= 30 MiB of a 96 MiB video and a restart, HEAD gives an offset to resume from and the finished file has the original sha256', async (t) => {
    const erin = await newApplicant(server);
    const entry = await createDraft(erin, CASE, 'network-infrastructure', {});
    const bytes = await largeMp4(96 * MiB);
    const path = await mustCreate(erin, { submission: entry, kind: 'video', filename: 'big.mp4' }, bytes.length);
    const first = await streamPatch(server, erin, path, bytes, 0, { stopAfter: 32 * MiB, chunk: 512 * 1024 });
    assert.ok(first.sent >= 30 * MiB, `sent ${first.sent}`);
    await sleep(700); // let the server read what the socket holds
    await server.kill9();
    first.req.destroy();

    await server.restart();
    const again = new Client(server.url);
    expectStatus(assert, await again.login(erin.email, APPLICANT_PASSWORD), 200);
    const h = await headUpload(again, path);
    expectTusStatus(h, 200);
    const offset = Number(h.headers.get('upload-offset'));
    t.diagnostic(`sent ${first.sent} bytes before kill -9; offset after restart ${offset}`);
    assert.equal(h.headers.get('upload-length'), String(bytes.length));
    assert.ok(offset <= first.sent, `offset ${offset} <= sent ${first.sent}`);
    assert.ok(offset >= first.sent - 16 * MiB,
      `offsets are durable at least every 8 MiB: offset ${offset}, sent ${first.sent}`);

    const rest = await streamPatch(server, again, path, bytes, offset, { chunk: 1024 * 1024 });
    assert.equal(rest.status, 204, `resume PATCH: ${rest.status} ${rest.text}`);
    assert.equal(rest.headers['upload-offset'], String(bytes.length));
    const materialId = rest.headers['laurel-material'];
    assert.ok(materialId, 'the last PATCH carries Laurel-Material');
    const m = await waitMaterial(again, entry, materialId);
    assert.equal(m.sha256, sha256hex(bytes));
    assert.equal(Number(m.size), bytes.length);
    assert.equal(m.status, 'ready', JSON.stringify(m));
  });
});
