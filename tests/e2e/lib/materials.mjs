// The materials section of the entry edit page (templates/entry_edit.html, static/uploads.js),
// driven like a user: choose files in a kind's section, watch the upload list, wait for the
// files to show in the section's list of materials and for their status.
import { basename } from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The `.material-kind[data-kind=kind]` section. */
export function section(page, kind) {
  return page.locator(`#materials .material-kind[data-kind="${kind}"]`);
}

/** The `li.material` of the file called `name` in kind's list. */
export function item(page, kind, name) {
  return section(page, kind).locator('.material-list > li.material')
    .filter({ has: page.locator('.material-name', { hasText: name }) });
}

/** Choose files in kind's section (the hidden input inside the "Choose files" label). */
export async function chooseFiles(page, kind, files) {
  const input = section(page, kind).locator('input.file-input');
  if (await input.count() !== 1) {
    throw new Error(`no input.file-input in the ${kind} section of ${page.url()}`);
  }
  await input.setInputFiles(files);
}

/**
 * Poll until every file (path or name) shows in kind's `.material-list`; returns their
 * material ids. On time-out the error says what the upload list showed.
 */
export async function waitListed(page, kind, files, timeoutMs = 20_000) {
  const names = files.map((f) => basename(f));
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ids = [];
    for (const n of names) {
      const li = item(page, kind, n);
      if (await li.count() >= 1) ids.push(await li.first().getAttribute('data-id'));
    }
    if (ids.length === names.length) return ids;
    if (Date.now() > end) {
      const uploads = await section(page, kind).locator('.upload-list').innerText().catch(() => '?');
      const listed = await section(page, kind).locator('.material-list').innerText().catch(() => '?');
      throw new Error(`${names.join(', ')} did not show in the ${kind} list of ${page.url()} within ` +
        `${timeoutMs / 1000} s; upload list says ${JSON.stringify(uploads)}, material list says ` +
        `${JSON.stringify(listed)}`);
    }
    await sleep(150);
  }
}

/** Choose files and wait until they are listed; returns their material ids. */
export async function uploadFiles(page, kind, files, timeoutMs) {
  await chooseFiles(page, kind, files);
  return waitListed(page, kind, files, timeoutMs);
}

/**
 * Choose files and wait for the outcome: { listed: true, ids } once every file shows in kind's
 * list; { listed: false, rows } when the upload rows have come and gone (the upload finished)
 * without the files being listed. Throws when an upload row shows an error, or on time-out.
 */
export async function uploadAndSettle(page, kind, files, timeoutMs = 20_000) {
  const names = files.map((f) => basename(f));
  const rows = section(page, kind).locator('.upload-list li.upload');
  await chooseFiles(page, kind, files);
  const end = Date.now() + timeoutMs;
  let seen = '';
  for (;;) {
    const ids = [];
    for (const n of names) {
      const li = item(page, kind, n);
      if (await li.count() >= 1) ids.push(await li.first().getAttribute('data-id'));
    }
    if (ids.length === names.length) return { listed: true, ids };
    const text = await rows.allInnerTexts().catch(() => []);
    if (text.length) seen = text.join(' | ');
    const bad = await rows.locator('.upload-status.field-error').allInnerTexts().catch(() => []);
    if (bad.length) throw new Error(`uploading ${names.join(', ')} as ${kind} failed: ${bad.join(' | ')}`);
    if (seen && !text.length) {
      await sleep(300);
      if (await item(page, kind, names[names.length - 1]).count() === 0) return { listed: false, rows: seen };
    }
    if (Date.now() > end) {
      throw new Error(`${names.join(', ')} did not show in the ${kind} list of ${page.url()} within ` +
        `${timeoutMs / 1000} s; the upload rows say ${JSON.stringify(seen)}`);
    }
    await sleep(100);
  }
}

/** Poll until the file's item has class status-<one of statuses>; returns the status. */
export async function waitStatus(page, kind, name, statuses = ['ready'], timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  let cls = '';
  for (;;) {
    const li = item(page, kind, name);
    cls = (await li.count()) ? (await li.first().getAttribute('class')) || '' : '(not listed)';
    const m = /status-(\w+)/.exec(cls);
    if (m && statuses.includes(m[1])) return m[1];
    if (Date.now() > end) {
      throw new Error(`${name} in the ${kind} list never became ${statuses.join('/')} (class ${JSON.stringify(cls)})`);
    }
    await sleep(200);
  }
}

/** The entry's materials from GET /api/v1/submissions/{id} (with the page's session). */
export async function apiMaterials(page, submissionId) {
  const res = await page.request.get(new URL(`/api/v1/submissions/${submissionId}`, page.url()).href);
  if (res.status() !== 200) throw new Error(`GET /api/v1/submissions/${submissionId} answered ${res.status()}`);
  const j = await res.json();
  return j.materials || (j.submission && j.submission.materials) || [];
}
