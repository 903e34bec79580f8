// Recommending units, exports (issue 12): GET /units/{id}/entries.{csv,xlsx} and
// GET /admin/calls/{slug}/organisation-ranking.{csv,xlsx}. Who gets them (the unit's manager and
// the organiser; a sibling unit's manager, an applicant: 404/403; anonymous: 303 to the login),
// what they carry (BOM, content type, receipts and titles, headers in the viewer's language) and
// that a title starting with '=' never becomes a formula.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startServer, newApplicant, adminClient, Client, getCall, fullAwardFields, AWARD, expectStatus,
} from './harness.mjs';
import { attachRequired } from './tus.mjs';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const INJECTION = '=HYPERLINK("http://evil.example/","click")';

/** unzip -p of one member of an XLSX answer ('' when the member is absent). */
function unzipMember(bytes, member) {
  const dir = mkdtempSync(join(tmpdir(), 'laurel-xlsx-'));
  try {
    const file = join(dir, 'book.xlsx');
    writeFileSync(file, bytes);
    const r = spawnSync('unzip', ['-p', file, member], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout : '';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const haveUnzip = spawnSync('unzip', ['-v']).status === 0;

/** Text cells of an XLSX (inline strings in the sheets; shared strings if any). */
function xlsxText(bytes, sheets = 1) {
  let out = unzipMember(bytes, 'xl/sharedStrings.xml');
  for (let i = 1; i <= sheets; i++) out += unzipMember(bytes, `xl/worksheets/sheet${i}.xml`);
  return out;
}

function csvText(res) {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(res.bytes);
}

describe('unit exports', () => {
  let server;
  let admin;
  let managerA; // manages unit A (under P)
  let managerB; // manages unit B (A's sibling)
  let applicant;
  let unitA;
  let receipt;
  const titleZh = '推荐导出测试作品';

  before(async () => {
    server = await startServer();
    admin = await adminClient(server);
    const mk = async (name_zh, name_en, kind, parent) => {
      const res = await admin.post('/admin/units', { name_zh, name_en, kind, parent });
      expectStatus(assert, res, 201);
      return res.body.id;
    };
    const parent = await mk('某省网信办', 'Provincial office', 'provincial-office', null);
    unitA = await mk('某大学', 'Some University', 'university', parent);
    const unitB = await mk('另一大学', 'Other University', 'university', parent);
    const manager = async (unit) => {
      const c = await newApplicant(server);
      const inv = await admin.post(`/units/${unit}/invitations`, { email: c.email, role: 'manager' });
      expectStatus(assert, inv, 201);
      expectStatus(assert, await c.post(`/invitations/${inv.body.token}/accept`, {}), 200);
      return c;
    };
    managerA = await manager(unitA);
    managerB = await manager(unitB);
    const code = await managerA.post(`/units/${unitA}/codes`, { call: AWARD });
    expectStatus(assert, code, 201);

    applicant = await newApplicant(server);
    const call = await getCall(applicant, AWARD);
    const category = call.categories[0].slug;
    // A complete entry, submitted (a receipt), and a draft whose English title looks like a formula.
    const fields = await fullAwardFields(applicant, category);
    const made = await applicant.post(`/calls/${AWARD}/submissions`,
      { category, fields: { ...fields, title_zh: titleZh }, recommendation_code: code.body.code });
    expectStatus(assert, made, 201);
    await attachRequired(applicant, made.body.id, AWARD); // entries need their required materials
    const sub = await applicant.post(`/submissions/${made.body.id}/submit`, {});
    expectStatus(assert, sub, 200);
    receipt = sub.body.receipt;
    const draft = await applicant.post(`/calls/${AWARD}/submissions`,
      { category, fields: { title_en: INJECTION, title_zh: '-1+1' }, recommendation_code: code.body.code });
    expectStatus(assert, draft, 201);
  });

  after(async () => { await server?.stop(); });

  it('the manager gets the unit\'s entries as CSV (BOM, headers, rows, formulas guarded)', async () => {
    const res = await managerA.request('GET', `/units/${unitA}/entries.csv`);
    expectStatus(assert, res, 200);
    assert.match(res.headers.get('content-type'), /^text\/csv; charset=utf-8/);
    assert.match(res.headers.get('content-disposition'), /^attachment; filename="unit-[A-Za-z0-9_-]+-entries\.csv"$/);
    assert.deepEqual([...res.bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    const text = csvText(res);
    const lines = text.slice(1).split('\r\n');
    assert.equal(lines.length, 4, text); // header, two entries, the empty rest after the last CRLF
    assert.ok(lines[0].startsWith('"受理编号",') || lines[0].startsWith('"Receipt",'), lines[0]);
    assert.ok(text.includes(titleZh), text);
    assert.ok(text.includes(`"${receipt}"`), text);
    assert.ok(text.includes('某大学') || text.includes('Some University'), text);
    // The formula-looking title comes out as text with a leading apostrophe, never bare.
    assert.ok(text.includes(`"'=HYPERLINK(""http://evil.example/"",""click"")"`), text);
    assert.ok(text.includes('"\'-1+1"'), text);
    assert.ok(!/(^|,)"=/m.test(text), text);
  });

  it('the headers follow the viewer\'s language', async () => {
    const inLang = (lang) => ({
      cookies: false,
      headers: { Cookie: [...managerA.cookies].filter(([k]) => k !== 'laurel_lang').map(([k, v]) => `${k}=${v}`).concat(`laurel_lang=${lang}`).join('; ') },
    });
    const en = await managerA.request('GET', `/units/${unitA}/entries.csv`, inLang('en'));
    expectStatus(assert, en, 200);
    assert.ok(csvText(en).slice(1).startsWith('"Receipt","Call"'), csvText(en).slice(0, 200));
    const zh = await managerA.request('GET', `/units/${unitA}/entries.csv`, inLang('zh'));
    assert.ok(csvText(zh).slice(1).startsWith('"受理编号","征集活动"'), csvText(zh).slice(0, 200));
  });

  it('the status filter applies', async () => {
    const res = await managerA.request('GET', `/units/${unitA}/entries.csv?status=draft`);
    expectStatus(assert, res, 200);
    const text = csvText(res);
    assert.ok(text.includes('HYPERLINK'), text);
    assert.ok(!text.includes(titleZh), text);
    assert.ok(!text.includes(receipt), text);
  });

  it('the manager and the organiser get it as XLSX', async () => {
    for (const c of [managerA, admin]) {
      const res = await c.request('GET', `/units/${unitA}/entries.xlsx`);
      expectStatus(assert, res, 200);
      assert.equal(res.headers.get('content-type'), XLSX_TYPE);
      assert.match(res.headers.get('content-disposition'), /^attachment; filename="unit-[A-Za-z0-9_-]+-entries\.xlsx"$/);
      assert.equal(Buffer.from(res.bytes.slice(0, 4)).toString('latin1'), 'PK\x03\x04');
      assert.ok(haveUnzip, 'unzip is not installed (laurel.sh test installs it)');
      const xml = xlsxText(res.bytes);
      assert.ok(xml.includes(titleZh), xml.slice(0, 2000));
      assert.ok(xml.includes(receipt));
      assert.ok(xml.includes('&apos;=HYPERLINK') || xml.includes("'=HYPERLINK"), xml);
      assert.ok(!/<f[ >]/.test(xml), 'no formula element');
    }
  });

  it('a sibling unit\'s manager and an applicant get 404, anonymous goes to the login', async () => {
    for (const ext of ['csv', 'xlsx']) {
      const path = `/units/${unitA}/entries.${ext}`;
      expectStatus(assert, await managerB.request('GET', path), 404);
      expectStatus(assert, await applicant.request('GET', path), 404);
      const anon = await new Client(server.url).request('GET', path);
      expectStatus(assert, anon, 303);
      assert.match(anon.headers.get('location'), /^\/login\?next=/);
    }
  });

  it('the organiser gets the ranking as CSV with the formula, and as XLSX', async () => {
    const csv = await admin.request('GET', `/admin/calls/${AWARD}/organisation-ranking.csv?include_subunits=true&weight_submitted=2`);
    expectStatus(assert, csv, 200);
    assert.match(csv.headers.get('content-type'), /^text\/csv; charset=utf-8/);
    assert.match(csv.headers.get('content-disposition'), new RegExp(`filename="${AWARD}-organisation-ranking-with-subunits\\.csv"`));
    assert.deepEqual([...csv.bytes.slice(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = csvText(csv);
    const first = text.slice(1).split('\r\n')[0];
    assert.ok(/× 2 /.test(first) && /× 5 /.test(first) && /× 10"/.test(first), first);
    assert.ok(text.includes('某大学') && text.includes('Some University'), text);

    const x = await admin.request('GET', `/admin/calls/${AWARD}/organisation-ranking.xlsx`);
    expectStatus(assert, x, 200);
    assert.equal(x.headers.get('content-type'), XLSX_TYPE);
    assert.equal(Buffer.from(x.bytes.slice(0, 4)).toString('latin1'), 'PK\x03\x04');
    assert.ok(haveUnzip, 'unzip is not installed (laurel.sh test installs it)');
    {
      const xml = xlsxText(x.bytes, 2);
      assert.ok(xml.includes('Some University'), xml.slice(0, 2000));
      assert.ok(xml.includes('× 10'), 'the formula sheet');
      assert.ok(!/<f[ >]/.test(xml));
    }

    const bad = await admin.request('GET', `/admin/calls/${AWARD}/organisation-ranking.csv?weight_winners=-1`);
    expectStatus(assert, bad, 422);
  });

  it('the ranking exports are the organiser\'s only', async () => {
    for (const ext of ['csv', 'xlsx']) {
      const path = `/admin/calls/${AWARD}/organisation-ranking.${ext}`;
      expectStatus(assert, await applicant.request('GET', path), 403);
      expectStatus(assert, await managerA.request('GET', path), 403);
      expectStatus(assert, await new Client(server.url).request('GET', path), 303);
    }
  });
});
