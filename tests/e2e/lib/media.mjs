// Test media for the browser tests, made at run time into a temp dir (never committed) and
// removed when the process exits: a PNG and an MP4 from ffmpeg's test source, a hand-written
// PDF, a "PNG" that is really text, a sparse file over the image limit, a large MP4.
// Everything is a file on disk, so setInputFiles() hands Chromium real files (with a real
// lastModified, which tus-js-client's resume fingerprint uses).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { largeMp4, pdfBytes, MiB } from '../../http/fixtures.mjs';

export { MiB };

let dir = null;
/** This process's media dir (removed at exit). */
export function mediaDir() {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'laurel-e2e-media-'));
    process.on('exit', () => { try { rmSync(dir, { recursive: true, force: true }); } catch { /* gone */ } });
  }
  return dir;
}

function ffmpeg(args) {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { timeout: 120_000 },
      (err, _out, stderr) => (err ? reject(new Error(`ffmpeg ${args.join(' ')} failed: ${err.message}\n${stderr}`)) : resolve()));
  });
}

const made = new Map();
function once(name, make) {
  if (!made.has(name)) {
    const file = join(mediaDir(), name);
    made.set(name, Promise.resolve(make(file)).then(() => file));
  }
  return made.get(name);
}

/** A PNG photo (ffmpeg testsrc, default 640x480). */
export function pngFile(name = 'photo.png', size = '640x480') {
  return once(name, (f) => ffmpeg(['-f', 'lavfi', '-i', `testsrc=size=${size}`, '-frames:v', '1', f]));
}

/** A small H.264 MP4 (default 2 s, 320x240, 10 fps). */
export function mp4File(name = 'clip.mp4', { duration = 2, size = '320x240', rate = 10 } = {}) {
  return once(name, (f) => ffmpeg(['-f', 'lavfi', '-i', `testsrc=duration=${duration}:size=${size}:rate=${rate}`,
    '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', f]));
}

/** A minimal valid one-page PDF. */
export function pdfFile(name = 'document.pdf') {
  return once(name, (f) => writeFileSync(f, pdfBytes()));
}

/** A file named like a PNG whose content is plain text. */
export function fakePngFile(name = 'not-really.png') {
  return once(name, (f) => writeFileSync(f, 'This is plain text, not a picture.\n'.repeat(40)));
}

/** A sparse file of `bytes` bytes (holes read as zeros; takes no disk space). */
export function sparseFile(name, bytes) {
  return once(name, (f) => {
    const fd = openSync(f, 'w');
    try { ftruncateSync(fd, bytes); } finally { closeSync(fd); }
  });
}

/** A valid MP4 of exactly `bytes` bytes (a small clip plus a random `free` box). */
export function largeMp4File(name, bytes) {
  return once(name, async (f) => writeFileSync(f, await largeMp4(bytes)));
}

export function sha256File(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
