// A small tus 1.0.0 client for the HTTP tests (docs/uploads.md), on top of harness.mjs's
// Client (which keeps the session cookie and sends the CSRF token on changes), plus helpers
// for materials: upload a whole file, wait for a material's processing, attach the materials
// an entry needs before it can be submitted.
import http from 'node:http';
import { pngBytes, pdfBytes, tinyMp4 } from './fixtures.mjs';

export const TUS = '1.0.0';
export const OCTETS = 'application/offset+octet-stream';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** tus Upload-Metadata: "key base64(value)" pairs separated by commas (values UTF-8). */
export function encodeMetadata(obj) {
  return Object.entries(obj)
    .map(([k, v]) => (v === null || v === undefined ? k : `${k} ${Buffer.from(String(v), 'utf8').toString('base64')}`))
    .join(',');
}

/** "/uploads/abc" from a Location that may be absolute. */
export function uploadPath(location) {
  if (!location) return null;
  return /^https?:\/\//i.test(location) ? new URL(location).pathname : location;
}

/** A path on the server from a URL the API gave (absolute or not). */
export function serverPath(url) {
  if (!url) return url;
  if (/^https?:\/\//i.test(url)) {
    const u = new URL(url);
    return u.pathname + u.search;
  }
  return url;
}

function describeRes(res) {
  return `${res.method} ${res.path} -> ${res.status}: ${res.text.slice(0, 600)}`;
}

/**
 * A tus request through the harness Client. opts.tus = false leaves out Tus-Resumable;
 * other opts as Client.request (headers, body, csrf, cookies).
 */
export function tusRequest(client, method, path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.tus !== false) headers['Tus-Resumable'] = TUS;
  return client.request(method, path, { ...opts, headers });
}

/**
 * POST /uploads/. meta: { submission, kind, filename } (any key may be left out to test
 * errors); length: Upload-Length (a number or a raw string; null = no header).
 * opts.headers are added; opts.metadata (a raw string) replaces the encoded meta.
 */
export function createUpload(client, meta, length, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (length !== null && length !== undefined) headers['Upload-Length'] = String(length);
  const md = opts.metadata !== undefined ? opts.metadata : (meta ? encodeMetadata(meta) : null);
  if (md !== null) headers['Upload-Metadata'] = md;
  return tusRequest(client, 'POST', '/uploads/', { ...opts, headers });
}

/** Create and return the upload's path (throws unless 201 with a Location). */
export async function mustCreate(client, meta, length, opts) {
  const res = await createUpload(client, meta, length, opts);
  const loc = uploadPath(res.headers.get('location'));
  if (res.status !== 201 || !loc) throw new Error(`create upload failed: ${describeRes(res)}`);
  return loc;
}

export function headUpload(client, path, opts = {}) {
  return tusRequest(client, 'HEAD', path, opts);
}

/** PATCH bytes at offset. opts.checksum ("sha256 <b64>"), opts.contentType, opts.headers. */
export function patchUpload(client, path, offset, bytes, opts = {}) {
  const headers = {
    'Content-Type': opts.contentType === undefined ? OCTETS : opts.contentType,
    'Upload-Offset': String(offset),
    ...(opts.headers || {}),
  };
  if (opts.contentType === null) delete headers['Content-Type'];
  if (opts.checksum) headers['Upload-Checksum'] = opts.checksum;
  return tusRequest(client, 'PATCH', path, { ...opts, headers, body: bytes });
}

export function deleteUpload(client, path, opts = {}) {
  return tusRequest(client, 'DELETE', path, opts);
}

/**
 * Upload a whole file as a material of the entry, in `chunks` PATCHes. Returns
 * { path, materialId, last } (last = the final PATCH's response). Throws on any failure.
 */
export async function uploadFile(client, submission, kind, filename, bytes, { chunks = 1 } = {}) {
  const path = await mustCreate(client, { submission, kind, filename }, bytes.length);
  const step = Math.max(1, Math.ceil(bytes.length / chunks));
  let offset = 0;
  let last = null;
  while (offset < bytes.length) {
    const part = bytes.subarray(offset, Math.min(bytes.length, offset + step));
    last = await patchUpload(client, path, offset, part);
    if (last.status !== 204) throw new Error(`PATCH failed at ${offset}: ${describeRes(last)}`);
    offset += part.length;
  }
  const materialId = last && last.headers.get('laurel-material');
  if (!materialId) throw new Error(`the last PATCH carried no Laurel-Material: ${path}`);
  return { path, materialId, last };
}

/** The entry's materials[] (throws unless 200). */
export async function getMaterials(client, submission) {
  const res = await client.get(`/submissions/${submission}`);
  if (res.status !== 200) throw new Error(`GET submission failed: ${describeRes(res)}`);
  if (!Array.isArray(res.body.materials)) {
    throw new Error(`GET /submissions/${submission} has no materials[]: ${res.text.slice(0, 600)}`);
  }
  return res.body.materials;
}

export async function getMaterial(client, submission, materialId) {
  const list = await getMaterials(client, submission);
  return list.find((m) => String(m.id) === String(materialId)) || null;
}

/**
 * Poll the entry until the material's status is not `processing` (or timeoutMs). Returns the
 * last material seen (null if it was never listed).
 */
export async function waitMaterial(client, submission, materialId, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  let m = null;
  for (;;) {
    m = await getMaterial(client, submission, materialId);
    if (m && m.status !== 'processing') return m;
    if (Date.now() > until) return m;
    await sleep(100);
  }
}

/**
 * Upload the materials a WIC 2025 entry must have before it can be submitted: a tiny PDF
 * for an award entry; a tiny PNG and a tiny MP4 for a practice case. callKind: 'award' or
 * 'case' (or a call slug of the WIC 2025 calls). Returns the material ids.
 */
export async function attachRequired(client, submission, callKind) {
  const kind = /case|practice/.test(callKind) ? 'case' : 'award';
  if (kind === 'award') {
    const d = await uploadFile(client, submission, 'document', 'evidence.pdf', pdfBytes());
    return [d.materialId];
  }
  const [img, vid] = await Promise.all([
    uploadFile(client, submission, 'image', 'photo.png', pngBytes(48, 32)),
    tinyMp4().then((b) => uploadFile(client, submission, 'video', 'clip.mp4', b)),
  ]);
  return [img.materialId, vid.materialId];
}

/**
 * A PATCH whose body is streamed with node:http, for large bodies and interrupted uploads.
 * source: a Buffer; from: where in source to start (= Upload-Offset). opts.stopAfter: stop
 * writing after about this many bytes and resolve { sent, req } without ending the request
 * (the caller then kills the server or destroys req). Otherwise resolves
 * { sent, status, headers, text } once answered. chunk: the write size.
 */
export function streamPatch(server, client, path, source, from, opts = {}) {
  const chunk = opts.chunk || 1024 * 1024;
  const length = source.length - from;
  const headers = {
    'Tus-Resumable': TUS,
    'Content-Type': OCTETS,
    'Upload-Offset': String(from),
    'Content-Length': String(length),
    Cookie: client.cookieHeader(),
    'X-CSRF-Token': client.csrf,
  };
  return new Promise((resolve, reject) => {
    let sent = 0;
    let settled = false;
    const done = (v, err) => {
      if (settled) return;
      settled = true;
      if (err) reject(err); else resolve(v);
    };
    const req = http.request({
      host: server.host, port: server.port, method: 'PATCH', path, headers, agent: false,
    }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => done({
        sent, status: res.statusCode, headers: res.headers, text: Buffer.concat(parts).toString('utf8'), req,
      }));
      res.on('error', () => done({ sent, status: res.statusCode, headers: res.headers, text: '', req }));
    });
    req.on('error', (e) => {
      if (opts.stopAfter !== undefined) done({ sent, req, error: e });
      else done(null, e);
    });
    const pump = async () => {
      while (sent < length) {
        if (opts.stopAfter !== undefined && sent >= opts.stopAfter) {
          done({ sent, req });
          return;
        }
        const part = source.subarray(from + sent, from + Math.min(length, sent + chunk));
        const ok = req.write(part);
        sent += part.length;
        if (!ok) await new Promise((r) => { req.once('drain', r); req.once('close', r); });
        if (req.destroyed) return;
        if (opts.delayMs) await sleep(opts.delayMs);
      }
      req.end();
    };
    pump().catch((e) => done(null, e));
  });
}

// ---- Content-Disposition -----------------------------------------------------------------

/**
 * Parse a Content-Disposition header strictly enough to tell a well-formed one:
 * returns { type, filename, filenameStar (decoded) } or throws with the reason.
 */
export function parseContentDisposition(header) {
  if (typeof header !== 'string' || header === '') throw new Error('no Content-Disposition');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(header)) throw new Error(`control characters in ${JSON.stringify(header)}`);
  if (/[^\x20-\x7e]/.test(header)) throw new Error(`non-ASCII characters in ${JSON.stringify(header)}`);
  const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(header);
  if (!m) throw new Error(`no disposition type in ${header}`);
  const out = { type: m[1].toLowerCase(), filename: undefined, filenameStar: undefined };
  let rest = m[2];
  const token = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
  const param = new RegExp(`^;\\s*(${token})\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"|${token})\\s*`);
  while (rest.length > 0) {
    const p = param.exec(rest);
    if (!p) throw new Error(`malformed parameters at ${JSON.stringify(rest)} in ${header}`);
    rest = rest.slice(p[0].length);
    const name = p[1].toLowerCase();
    let value = p[2];
    if (name === 'filename*') {
      const ext = /^UTF-8'[A-Za-z0-9-]*'((?:[A-Za-z0-9!#$&+.^_`|~-]|%[0-9A-Fa-f]{2})*)$/i.exec(value);
      if (!ext) throw new Error(`filename* is not RFC 5987 (UTF-8''…): ${value}`);
      out.filenameStar = decodeURIComponent(ext[1]);
    } else if (name === 'filename') {
      if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      out.filename = value;
    }
  }
  return out;
}
