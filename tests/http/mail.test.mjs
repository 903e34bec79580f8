// Mail (issue 11) against a real SMTP sink: Debian's aiosmtpd with tests/smtp_sink.py, started
// and stopped here. What arrived at the sink is what is checked.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import {
  startServer, newApplicant, adminClient, Client, createDraft, fullAwardFields, getCall, accountBody,
  expectStatus, expectError, errorFields, callToml, shanghaiLocal, BIN, REPO, AWARD, APPLICANT_PASSWORD, RECEIPT_RE,
} from './harness.mjs';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** The sink: start(), stop(), refuse(on), messages() → [{ file, raw, headers, to, text }]. */
async function startSink() {
  const dir = mkdtempSync(join(tmpdir(), 'laurel-sink-'));
  const port = await freePort();
  let child = null;
  const sink = {
    port, dir, url: `smtp://127.0.0.1:${port}`,
    async start() {
      child = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'smtp_sink.Sink', dir],
        { cwd: REPO, env: { ...process.env, PYTHONPATH: join(REPO, 'tests') }, stdio: 'ignore' });
      for (let i = 0; i < 100; i += 1) {
        const up = await new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.end(); r(true); }); s.on('error', () => r(false)); });
        if (up) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the SMTP sink did not start (is python3-aiosmtpd installed?)');
    },
    running() { return !!child && child.exitCode === null && child.signalCode === null; },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
    /** on: true (550 to every recipient), '4' (450, a temporary refusal), false (accept). */
    refuse(on) {
      const f = join(dir, 'REFUSE');
      if (on) writeFileSync(f, on === '4' ? '4' : '1'); else rmSync(f, { force: true });
    },
    messages() {
      return readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().map((file) => parse(readFileSync(join(dir, file), 'utf8'), file));
    },
  };
  await sink.start();
  return sink;
}

/** Headers (unfolded) and the text part, decoded. */
function parse(raw, file) {
  const [head] = raw.split('\r\n\r\n');
  const headers = {};
  for (const line of head.replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const parts = raw.split(/\r\n--=_laurel_[a-z0-9]+(?:--)?\r\n/);
  const decode = (p) => { const [, body] = p.split('\r\n\r\n'); return Buffer.from((body || '').replace(/\s+/g, ''), 'base64').toString('utf8'); };
  const text = parts.length > 2 ? decode(parts[1]) : '';
  const html = parts.length > 2 ? decode(parts[2]) : '';
  const subject = (headers.subject || '').replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/g, (_, b) => Buffer.from(b, 'base64').toString('utf8'));
  return { file, raw, headers, to: headers['x-sink-to'], subject, text, html };
}

async function waitFor(what, fn, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const mailTo = (sink, email, kind) => sink.messages().filter((m) => m.to === email && (!kind || m.text.includes(kind) || m.subject.includes(kind)));

describe('mail through an SMTP sink', () => {
  let sink; let server; let admin;
  before(async () => {
    sink = await startSink();
    server = await startServer({ extraArgs: ['--smtp', sink.url, '--mail-from', 'Laurel Tests <noreply@example.org>', '--mail-retry-base-seconds', '1'] });
    admin = await adminClient(server);
  });
  after(async () => { if (server) await server.stop(); if (sink) { await sink.stop(); rmSync(sink.dir, { recursive: true, force: true }); } });
  // Each test starts with a sink that is up and accepts everything, whatever the one before left.
  beforeEach(async () => {
    if (!sink) return;
    sink.refuse(false);
    if (!sink.running()) await sink.start();
  });

  it('registration sends a verification link in the language of the registration; following it verifies the address', async () => {
    const body = accountBody();
    const c = new Client(server.url);
    c.cookies.set('laurel_lang', 'en');
    expectStatus(assert, await c.post('/accounts', body), 201);
    const m = await waitFor('the verification mail', () => sink.messages().find((x) => x.to === body.email));
    assert.match(m.subject, /Confirm your e-mail address/);
    assert.ok(m.headers['message-id'] && m.headers.date && /multipart\/alternative/.test(m.headers['content-type']));
    const link = /http:\/\/127\.0\.0\.1:\d+\/verify\/[A-Za-z0-9_-]+/.exec(m.text)[0];
    await c.login(body.email, body.password);
    assert.equal((await c.get('/account')).body.email_verified, false);
    const v = await c.request('GET', new URL(link).pathname);
    expectStatus(assert, v, 303);
    assert.equal((await c.get('/account')).body.email_verified, true);
    expectStatus(assert, await c.request('GET', new URL(link).pathname), 410);
  });

  it('the account page and the organiser\'s entry list show whether the address is confirmed, in both languages', async () => {
    const a = await newApplicant(server);
    const call = await getCall(a, AWARD);
    await createDraft(a, AWARD, call.categories[0].slug, { title_en: 'Marker' });
    const row = (html) => (html.split('<tr>').find((r) => r.includes(a.email)) || '');
    const look = async (lang) => {
      a.cookies.set('laurel_lang', lang);
      admin.cookies.set('laurel_lang', lang);
      const account = await a.request('GET', '/account');
      expectStatus(assert, account, 200);
      const list = await admin.request('GET', `/admin/calls/${AWARD}/entries`);
      expectStatus(assert, list, 200);
      admin.cookies.delete('laurel_lang');
      return { account: account.text, entry: row(list.text) };
    };
    let zh = await look('zh'); let en = await look('en');
    assert.match(zh.account, /邮箱尚未确认/);
    assert.match(en.account, /E-mail address not confirmed yet/);
    assert.match(en.account, /action="\/account\/verify-email"/);
    assert.match(zh.entry, /email-unverified[^>]*>邮箱未确认</);
    assert.match(en.entry, /email-unverified[^>]*>address not confirmed</);
    const m = await waitFor('the verification mail', () => sink.messages().find((x) => x.to === a.email && /\/verify\//.test(x.text)));
    const link = /\/verify\/[A-Za-z0-9_-]+/.exec(m.text)[0];
    expectStatus(assert, await a.request('GET', link), 303);
    zh = await look('zh'); en = await look('en');
    assert.match(zh.account, /email-verified[^>]*>邮箱已确认</);
    assert.match(en.account, /email-verified[^>]*>E-mail address confirmed</);
    assert.doesNotMatch(en.account, /verify-email/);
    assert.match(zh.entry, /email-verified[^>]*>邮箱已确认</);
    assert.match(en.entry, /email-verified[^>]*>address confirmed</);
  });

  it('mail follows the language the account saved with the language switch', async () => {
    const a = await newApplicant(server);  // registered without a language cookie: zh
    const before = sink.messages().length;
    expectStatus(assert, await a.request('GET', '/lang/en?next=/'), 303);
    expectStatus(assert, await new Client(server.url).post('/password-reset', { email: a.email }), 202);
    const m = await waitFor('the reset mail', () => sink.messages().slice(before).find((x) => x.to === a.email && /\/reset\//.test(x.text)));
    assert.equal(m.subject, 'Reset your Laurel password');
    assert.equal(m.headers['content-language'], 'en');
  });

  it('laurel mail test sends one message through the relay of the config file and prints its answer; a refusal exits 1', async () => {
    const config = join(server.tmp, 'mail-test.toml');
    writeFileSync(config, `smtp = "${sink.url}"\nmail_from = "Config Sender <config@example.org>"\n`);
    const run = (to) => spawnSync(BIN, ['--config', config, ...server.dbArgs, 'mail', 'test', '--to', to],
      { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    const to = `mailtest-${Date.now()}@example.org`;
    const ok = run(to);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /smtp:\/\/127\.0\.0\.1:\d+: 250 /);
    const m = await waitFor('the test message', () => sink.messages().find((x) => x.to === to));
    assert.match(m.headers['x-sink-from'], /config@example\.org/);
    assert.match(m.headers.from, /Config Sender <config@example\.org>/);
    sink.refuse(true);
    const refused = run(`refused-${Date.now()}@example.org`);
    sink.refuse(false);
    assert.equal(refused.status, 1);
    assert.match(refused.stdout, /550 .*failed/);
  });

  it('password reset works end to end: 202, a link, weak password 422, 204, other sessions end, the token is single-use', async () => {
    const a = await newApplicant(server);
    const before = sink.messages().length;
    expectStatus(assert, await new Client(server.url).post('/password-reset', { email: a.email.toUpperCase() }), 202);
    const m = await waitFor('the reset mail', () => sink.messages().slice(before).find((x) => x.to === a.email && /\/reset\//.test(x.text)));
    assert.match(m.subject, /重置|Reset/);
    const token = /\/reset\/([A-Za-z0-9_-]+)/.exec(m.text)[1];
    const anon = new Client(server.url);
    expectStatus(assert, await anon.request('GET', `/reset/${token}`), 200);
    const weak = await anon.post(`/password-reset/${token}`, { password: 'short' });
    expectError(assert, weak, 422, 'invalid');
    assert.ok(errorFields(weak).password);
    expectStatus(assert, await anon.post(`/password-reset/${token}`, { password: 'A-brand-new-pass-2025' }), 204);
    expectStatus(assert, await a.get('/submissions'), 401);  // the old session ended
    expectStatus(assert, await new Client(server.url).login(a.email, 'A-brand-new-pass-2025'), 200);
    expectError(assert, await anon.post(`/password-reset/${token}`, { password: 'Another-new-pass-2025' }), 410, 'token_expired');
    expectError(assert, await anon.post('/password-reset/unknown-token-xyz', { password: 'Another-new-pass-2025' }), 410, 'token_expired');
    expectStatus(assert, await anon.request('GET', `/reset/${token}`), 410);
  });

  it('a reset for an unknown address answers 202, sends nothing and logs nothing about it', async () => {
    const email = `nobody-${Date.now()}@example.org`;
    const before = sink.messages().length;
    expectStatus(assert, await new Client(server.url).post('/password-reset', { email }), 202);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(sink.messages().slice(before).filter((m) => m.to === email).length, 0);
    assert.ok(!server.logs().includes(email), 'the address appears in the logs');
    const list = await admin.get('/admin/mail');
    assert.ok(!list.body.messages.some((m) => m.to === email));
  });

  it('a submit sends the receipt with its number to the owner', async () => {
    const a = await newApplicant(server);
    const call = await getCall(a, AWARD);
    const cat = call.categories[0].slug;
    const id = await createDraft(a, AWARD, cat, await fullAwardFields(a, cat));
    const { uploadFile } = await import('./tus.mjs');
    const { pdfBytes } = await import('./fixtures.mjs');
    await uploadFile(a, id, 'document', 'evidence.pdf', pdfBytes());
    const res = await a.post(`/submissions/${id}/submit`, {});
    expectStatus(assert, res, 200);
    assert.match(res.body.receipt, RECEIPT_RE);
    const m = await waitFor('the receipt', () => sink.messages().find((x) => x.to === a.email && x.text.includes(res.body.receipt)));
    assert.ok(m.subject.includes(res.body.receipt));
    assert.match(m.text, /evidence\.pdf/);
    assert.match(m.text, /SHA-256 [0-9a-f]{64}/);
  });

  it('a refused recipient is failed with the relay\'s answer; the organiser retries and it is delivered', async () => {
    sink.refuse(true);
    const email = (await newApplicant(server)).email;
    const failed = await waitFor('a failed message', async () => {
      const r = await admin.get('/admin/mail?status=failed');
      return r.body.messages.find((m) => m.to === email);
    });
    assert.match(failed.last_error, /550/);
    assert.equal(failed.kind, 'verify');
    sink.refuse(false);
    expectStatus(assert, await admin.post(`/admin/mail/${failed.id}/retry`, {}), 202);
    await waitFor('the retried mail', () => sink.messages().find((m) => m.to === email));
    const sent = (await admin.get('/admin/mail?status=sent')).body.messages.find((m) => m.id === failed.id);
    assert.ok(sent && sent.sent_at && sent.attempts >= 2);
  });

  it('with the sink down a message is retried, never lost, and delivered once the sink is back', async () => {
    await sink.stop();
    const a = await newApplicant(server);
    const queued = await waitFor('a second attempt', async () => {
      const r = await admin.get('/admin/mail');
      return r.body.messages.find((m) => m.to === a.email && m.attempts >= 2 && m.status === 'queued');
    }, 20_000);
    assert.ok(queued.last_error.length > 0);
    assert.ok(server.alive());
    await sink.start();
    await waitFor('the delivery after the sink came back', () => sink.messages().find((m) => m.to === a.email), 30_000);
  });

  it('header injection in a subject never reaches the message headers', async () => {
    const a = await newApplicant(server);
    const call = await getCall(a, AWARD);
    await createDraft(a, AWARD, call.categories[0].slug, { title_en: 'Injected' });
    const preview = await admin.post(`/admin/calls/${AWARD}/messages/preview`, { status: 'draft' });
    expectStatus(assert, preview, 200);
    assert.ok(preview.body.recipients >= 1);
    const res = await admin.post(`/admin/calls/${AWARD}/messages`, { status: 'draft', subject: 'Hello\r\nBcc: evil@example.org', body: 'Line one\nLine two' });
    expectStatus(assert, res, 202);
    assert.equal(res.body.queued, preview.body.recipients);
    const m = await waitFor('the message', () => sink.messages().find((x) => x.to === a.email && /Hello/.test(x.subject)));
    assert.equal(m.headers.bcc, undefined);
    assert.ok(!/^Bcc:/mi.test(m.raw));
    assert.equal(m.to, a.email);
    assert.match(m.text, /Line one/);
  });

  it('optional mail carries List-Unsubscribe; the one-click POST stops it, the account turns it on again', async () => {
    const a = await newApplicant(server);
    const b = await newApplicant(server);
    const call = await getCall(a, AWARD);
    const category = call.categories[1].slug;
    await createDraft(a, AWARD, category, { title_en: 'Opt-out A' });
    await createDraft(b, AWARD, category, { title_en: 'Opt-out B' });
    // Mail the account needs has no unsubscribe header.
    const verify = await waitFor('the verification mail', () => sink.messages().find((x) => x.to === a.email && /\/verify\//.test(x.text)));
    assert.equal(verify.headers['list-unsubscribe'], undefined);
    const send = async (subject) => {
      const res = await admin.post(`/admin/calls/${AWARD}/messages`, { category, status: 'draft', subject, body: 'Body' });
      expectStatus(assert, res, 202);
      return res.body.queued;
    };
    await send('Optional one');
    const m = await waitFor('the message', () => sink.messages().find((x) => x.to === a.email && /Optional one/.test(x.subject)));
    const link = /^<(http:\/\/127\.0\.0\.1:\d+\/unsubscribe\/[A-Za-z0-9_-]+)>$/.exec(m.headers['list-unsubscribe']);
    assert.ok(link, `List-Unsubscribe: ${m.headers['list-unsubscribe']}`);
    assert.equal(m.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
    assert.ok(m.text.includes(link[1]) && m.html.includes(link[1]), 'the footer links to the same place');
    const path = new URL(link[1]).pathname;
    // The page asks first (a GET changes nothing: link scanners follow links).
    const anon = new Client(server.url);
    const page = await anon.request('GET', path);
    expectStatus(assert, page, 200);
    assert.match(page.text, /<form method="post" action="\/unsubscribe\//);
    assert.equal((await a.get('/account')).body.optional_mail, true);
    // RFC 8058: the mail client posts with no cookie and no CSRF token.
    const res = await fetch(link[1], { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click', redirect: 'manual' });
    assert.equal(res.status, 200);
    assert.equal((await a.get('/account')).body.optional_mail, false);
    expectStatus(assert, await anon.request('POST', '/unsubscribe/' + 'x'.repeat(43), { body: 'List-Unsubscribe=One-Click', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 404);
    // The organiser's preview counts the opted-out account apart; the next message skips it.
    const preview = await admin.post(`/admin/calls/${AWARD}/messages/preview`, { category, status: 'draft' });
    expectStatus(assert, preview, 200);
    assert.ok(preview.body.opted_out >= 1, JSON.stringify(preview.body));
    const queued = await send('Optional two');
    assert.equal(queued, preview.body.recipients);
    await waitFor('the message to b', () => sink.messages().find((x) => x.to === b.email && /Optional two/.test(x.subject)));
    const listed = (await admin.get('/admin/mail')).body.messages.filter((x) => x.subject === 'Optional two');
    assert.ok(listed.length === queued && !listed.some((x) => x.to === a.email), 'nothing queued for the opted-out account');
    // Bad input, then on again.
    expectError(assert, await a.request('PUT', '/api/v1/account/mail-preferences', { json: { optional_mail: 'yes' } }), 422, 'invalid');
    const on = await a.request('PUT', '/api/v1/account/mail-preferences', { json: { optional_mail: true } });
    expectStatus(assert, on, 200);
    assert.equal((await a.get('/account')).body.optional_mail, true);
    await send('Optional three');
    await waitFor('the message to a again', () => sink.messages().find((x) => x.to === a.email && /Optional three/.test(x.subject)));
  });
});

/** A second `laurel serve` on the database and files of `server` (its own port): { url, stop() }. */
async function secondProcess(server, extraArgs) {
  const child = spawn(BIN, [...server.dbArgs, 'serve', '--listen', '127.0.0.1:0', ...extraArgs],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.resume();
  child.stdout.setEncoding('utf8');
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the second laurel serve did not start: ${out}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(t); reject(new Error(`the second laurel serve exited (${code}): ${out}`)); });
  });
  return {
    url,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('deadline reminders with two server processes on one database', () => {
  let sink; let server; let second; let admin;
  const args = (s) => ['--smtp', s.url, '--mail-from', 'Laurel Tests <noreply@example.org>', '--reminder-scan-seconds', '1',
    '--mail-retry-base-seconds', '1'];
  before(async () => {
    sink = await startSink();
    server = await startServer({ extraArgs: args(sink) });
    second = await secondProcess(server, args(sink));
    admin = await adminClient(server);
  });
  after(async () => {
    if (second) await second.stop();
    if (server) await server.stop();
    if (sink) { await sink.stop(); rmSync(sink.dir, { recursive: true, force: true }); }
  });

  it('each draft owner gets each due reminder exactly once, the submitted and the late get none', async () => {
    // A call whose deadline is 75 s away, with a reminder an hour before (due at once) and one a
    // minute before (due 15 s from now); loaded through the first process, seen by both.
    const slug = `remind-${Math.random().toString(36).slice(2, 8)}`;
    const deadlineAt = Date.now() + 75_000;
    const toml = callToml({ slug, prefix: 'RM25', code: 'RM', deadline: shanghaiLocal(new Date(deadlineAt)) })
      .replace(/^deadline = .*$/m, (line) => `${line}\nreminders = ["1h", "1m"]`);
    const load = await admin.request('POST', '/api/v1/admin/calls', { body: toml, headers: { 'Content-Type': 'application/toml' } });
    assert.ok(load.status < 300, `loading the call: ${load.status} ${load.text}`);
    // Drafts of two applicants, one of them made through the second process.
    const a = await newApplicant(server);
    const b = await newApplicant({ url: second.url });
    const idA = await createDraft(a, slug, 'only', { title_en: 'Reminded A' });
    const idB = await createDraft(b, slug, 'only', { title_en: 'Reminded B' });
    assert.ok(idA && idB);
    // C submits at once: at most the reminder already due may reach C, never the 1-minute one.
    const c = await newApplicant(server);
    const idC = await createDraft(c, slug, 'only', await fullAwardFields(c, 'only', slug));
    expectStatus(assert, await c.post(`/submissions/${idC}/submit`, {}), 200);
    const reminders = (email) => sink.messages().filter((m) => m.to === email && /^(Reminder|提醒)/.test(m.subject));
    // The 1-hour reminder arrives for both; then, after the 1-minute moment, the second one.
    await waitFor('the first reminders', () => reminders(a.email).length >= 1 && reminders(b.email).length >= 1, 20_000);
    await waitFor('the second reminders', () => reminders(a.email).length >= 2 && reminders(b.email).length >= 2,
      Math.max(5_000, deadlineAt - 60_000 - Date.now() + 20_000));
    // Several more scans by both processes, past the deadline: nothing more arrives.
    await new Promise((r) => setTimeout(r, Math.max(4_000, deadlineAt - Date.now() + 3_000)));
    for (const who of [a, b]) {
      const got = reminders(who.email);
      assert.equal(got.length, 2, `${who.email} got ${got.length} reminders: ${got.map((m) => m.subject).join(' | ')}`);
      assert.ok(got.every((m) => m.text.includes('/edit')), 'a reminder links to the entry');
    }
    assert.ok(reminders(c.email).length <= 1, `the submitted entry's owner got ${reminders(c.email).length} reminders`);
    const rows = (await admin.get('/admin/mail')).body.messages.filter((m) => m.kind === 'reminder' && m.to !== c.email);
    assert.equal(rows.filter((m) => m.to === a.email).length, 2);
    assert.ok(rows.every((m) => m.status === 'sent' && m.attempts === 1), JSON.stringify(rows));
    assert.ok(server.alive() && second.alive());
  });
});

describe('a relay that keeps answering 4xx', () => {
  let sink; let server; let admin;
  before(async () => {
    sink = await startSink();
    // Base 0.01 s: the back-off's 24 hours (1440 × base) shrink to 14.4 s, its 6-hour cap to 3.6 s.
    server = await startServer({ extraArgs: ['--smtp', sink.url, '--mail-from', 'Laurel Tests <noreply@example.org>', '--mail-retry-base-seconds', '0.01'] });
    admin = await adminClient(server);
  });
  after(async () => {
    if (server) await server.stop();
    if (sink) { await sink.stop(); rmSync(sink.dir, { recursive: true, force: true }); }
  });

  it('is retried until the back-off gives up, then failed with the relay\'s answer on /admin/mail; delivered once the relay accepts', async () => {
    sink.refuse('4');
    try {
      const email = (await newApplicant(server)).email;
      const failed = await waitFor('the message to give up', async () => {
        const r = await admin.get('/admin/mail?status=failed');
        return r.body.messages.find((m) => m.to === email);
      }, 40_000);
      assert.ok(failed.attempts >= 3, `given up after ${failed.attempts} attempts`);
      assert.match(failed.last_error, /^450 /);
      assert.match(failed.last_error, /try again later/);
      const page = await admin.request('GET', '/admin/mail?status=failed');
      expectStatus(assert, page, 200);
      assert.ok(page.text.includes('450 4.2.1'), 'the relay\'s answer is on the organiser\'s page');
      assert.equal(sink.messages().filter((m) => m.to === email).length, 0);
      sink.refuse(false);
      expectStatus(assert, await admin.post(`/admin/mail/${failed.id}/retry`, {}), 202);
      await waitFor('the retried message', () => sink.messages().find((m) => m.to === email));
      const sent = (await admin.get('/admin/mail?status=sent')).body.messages.find((m) => m.id === failed.id);
      assert.ok(sent && sent.attempts > failed.attempts && sent.last_error === '');
    } finally {
      sink.refuse(false);
    }
  });
});

describe('the embedded default: no relay configured', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { if (server) await server.stop(); });

  it('says where mail goes and saves each message as an .eml file in mail/ beside the files, marked sent', async () => {
    const dir = join(server.tmp, 'mail');
    // printed just after the "listening" line the harness waits for
    await waitFor('the start-up line about mail', () => server.logs().includes(`Mail: no SMTP relay; messages are saved in ${dir}/`), 5_000);
    const a = await newApplicant(server);
    const file = await waitFor('the .eml file', () => existsSync(dir) &&
      readdirSync(dir).filter((f) => f.endsWith('.eml')).find((f) => readFileSync(join(dir, f), 'utf8').includes(`To: <${a.email}>`)));
    const m = parse(readFileSync(join(dir, file), 'utf8'), file);
    assert.match(m.subject, /请确认您的电子邮箱|Confirm your e-mail address/);
    assert.match(m.text, /\/verify\/[A-Za-z0-9_-]+/);
    const row = (await (await adminClient(server)).get('/admin/mail')).body.messages.find((x) => x.to === a.email);
    assert.equal(row.status, 'sent');
    assert.match(row.last_answer, /no SMTP relay configured/);
  });
});
