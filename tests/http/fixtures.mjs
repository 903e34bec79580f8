// Test files made at run time (never committed): PNG and PDF written by hand, XLSX zipped by
// python3's zipfile, MP4 made with ffmpeg into a temp dir that is removed when the process exits.
// Only Node built-ins, python3 and ffmpeg.
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

export const KiB = 1024;
export const MiB = 1024 * 1024;
export const GiB = 1024 * 1024 * 1024;

let dir = null;
/** A temp dir for this process's fixtures (removed at exit). */
export function fixtureDir() {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'laurel-fixtures-'));
    process.on('exit', () => { try { rmSync(dir, { recursive: true, force: true }); } catch { /* gone */ } });
  }
  return dir;
}

// ---- hashes ------------------------------------------------------------------------------

export const sha256hex = (buf) => createHash('sha256').update(buf).digest('hex');
export const sha256b64 = (buf) => createHash('sha256').update(buf).digest('base64');
export const sha1b64 = (buf) => createHash('sha1').update(buf).digest('base64');

// ---- PNG ---------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

const pngCache = new Map();
/**
 * A valid RGB PNG of width x height (a gradient with a little pseudo-random texture, so it
 * is a few KiB and not trivially compressible). Deterministic for a given (w, h, seed).
 */
export function pngBytes(width = 96, height = 64, seed = 1) {
  const key = `${width}x${height}:${seed}`;
  if (pngCache.has(key)) return pngCache.get(key);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  let s = seed >>> 0 || 1;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return (s >>> 16) & 0xff; };
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x++) {
      const o = row + 1 + x * 3;
      raw[o] = (x * 255 / Math.max(1, width - 1)) & 0xff;
      raw[o + 1] = (y * 255 / Math.max(1, height - 1)) & 0xff;
      raw[o + 2] = rnd();
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
  pngCache.set(key, png);
  return png;
}

// ---- PDF ---------------------------------------------------------------------------------

let pdfCache = null;
/** A minimal valid one-page PDF (correct xref offsets). */
export function pdfBytes() {
  if (pdfCache) return pdfCache;
  const text = 'BT /F1 18 Tf 20 100 Td (Laurel test document) Tj ET';
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R ' +
      '/Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  pdfCache = Buffer.from(out, 'latin1');
  return pdfCache;
}

// ---- text --------------------------------------------------------------------------------

export function textBytes() {
  return Buffer.from('This is plain text, not a video.\n'.repeat(40), 'utf8');
}

// ---- video (ffmpeg) ----------------------------------------------------------------------

function ffmpeg(args) {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args],
      { timeout: 120_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`ffmpeg ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        else resolve();
      });
  });
}

const videoCache = new Map();
/**
 * An H.264 MP4 made with ffmpeg's test source; cached per process. Resolves with its bytes.
 * duration in seconds, size "WxH", rate in frames per second.
 */
export function mp4Bytes({ duration = 2, size = '320x240', rate = 10 } = {}) {
  const key = `${duration}-${size}-${rate}`;
  if (!videoCache.has(key)) {
    const file = join(fixtureDir(), `testsrc-${key}.mp4`);
    videoCache.set(key, ffmpeg([
      '-f', 'lavfi', '-i', `testsrc=duration=${duration}:size=${size}:rate=${rate}`,
      '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', file,
    ]).then(() => readFileSync(file)));
  }
  return videoCache.get(key);
}

/** The tiny video used to satisfy "at least 1 video" (1 s, 64x48). */
export function tinyMp4() { return mp4Bytes({ duration: 1, size: '64x48', rate: 5 }); }

/**
 * A valid MP4 of exactly `total` bytes: a small ffmpeg MP4 followed by a top-level `free`
 * box filled with random bytes (players and probes skip it; libmagic still sees an MP4).
 */
export async function largeMp4(total) {
  const head = await mp4Bytes({ duration: 2, size: '320x240', rate: 10 });
  const pad = total - head.length;
  if (pad < 8) throw new Error(`largeMp4: ${total} bytes is too small`);
  const buf = Buffer.allocUnsafe(total);
  head.copy(buf, 0);
  buf.writeUInt32BE(pad, head.length);
  buf.write('free', head.length + 4, 'latin1');
  for (let off = head.length + 8; off < total; off += 16 * MiB) {
    randomFillSync(buf, off, Math.min(16 * MiB, total - off));
  }
  return buf;
}

/** A minimal .xlsx (one sheet, inline strings) of `rows`, made with Python's zipfile. */
export function xlsxOf(rows) {
  const esc = (v) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const col = (i) => String.fromCharCode(65 + i);
  const sheet = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
    rows.map((r, ri) => `<row r="${ri + 1}">` + r.map((v, ci) => `<c r="${col(ci)}${ri + 1}" t="inlineStr"><is><t>${esc(v)}</t></is></c>`).join('') + '</row>').join('') +
    '</sheetData></worksheet>';
  const py = `
import sys, zipfile, io, json
files = json.loads(sys.stdin.read())
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
    for name, text in files.items():
        z.writestr(name, text)
sys.stdout.buffer.write(buf.getvalue())`;
  const files = {
    '[Content_Types].xml': '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
    'xl/workbook.xml': '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Experts" sheetId="1"/></sheets></workbook>',
    'xl/worksheets/sheet1.xml': sheet,
  };
  const r = spawnSync('/usr/bin/python3', ['-c', py], { input: JSON.stringify(files), maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`python3 zipfile failed: ${r.stderr}`);
  return r.stdout;
}
