// Mail over TLS to a relay with a private certificate (--smtp-ca / smtp_ca), against a real relay:
// Debian's aiosmtpd with tests/smtp_tls_sink.py (STARTTLS required before AUTH and MAIL, or
// implicit TLS; AUTH with one user and password required), and a certificate made here with
// openssl for CN=localhost. What arrived at the relay and the outbox rows are what is checked.
// Also: --mail-per-minute, with the plain sink of tests/smtp_sink.py.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import net from 'node:net';
import { join } from 'node:path';
import { startServer, adminClient, Client, accountBody, expectStatus, BIN, REPO } from './harness.mjs';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const OPENSSL = existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl';
const USER = 'laurel-relay';
const PASSWORD = 'Relay-secret-2025';
const FROM = 'Laurel Tests <noreply@example.org>';

function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, host, () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** A throwaway self-signed certificate for localhost and 127.0.0.1: { dir, cert, key }. */
function makeCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'laurel-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = spawnSync(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
  { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`openssl could not make a certificate: ${r.error || r.stderr}`);
  return { dir, cert, key };
}

/** The messages a sink wrote (NNNN.eml): [{ file, raw, headers (lower-cased names), to, from, text }]. */
function readMessages(dir) {
  return readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().map((file) => {
    const raw = readFileSync(join(dir, file), 'utf8');
    const headers = {};
    for (const line of raw.split('\r\n\r\n')[0].replace(/\r\n[ \t]/g, ' ').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    const parts = raw.split(/\r\n--=_laurel_[a-z0-9]+(?:--)?\r\n/);  // the text part, base64 (as in mail.test.mjs)
    const text = parts.length > 2
      ? Buffer.from((parts[1].split('\r\n\r\n')[1] || '').replace(/\s+/g, ''), 'base64').toString('utf8') : '';
    return { file, raw, headers, to: headers['x-sink-to'], from: headers['x-sink-from'], text };
  });
}

/** A child process that must print `ready` (or accept a connection on host:port) to be up. */
async function startChild(what, argv, { host, port, readyLine }) {
  let stderr = '';
  let stdout = '';
  const child = spawn(argv[0], argv.slice(1), { cwd: REPO, env: { ...process.env, PYTHONPATH: join(REPO, 'tests') },
    stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.setEncoding('utf8');
  child.stdout.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-16_384); });
  child.stdout.on('data', (d) => { stdout = (stdout + d).slice(-16_384); });
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  process.on('exit', killOnExit);
  const running = () => child.exitCode === null && child.signalCode === null;
  const end = Date.now() + 20_000;
  for (;;) {
    if (!running()) throw new Error(`${what} exited at start (${child.exitCode ?? child.signalCode}; is python3-aiosmtpd installed?): ${stderr}`);
    const up = readyLine ? stdout.includes(readyLine)
      : await new Promise((r) => { const s = net.connect(port, host, () => { s.end(); r(true); }); s.on('error', () => r(false)); });
    if (up) break;
    if (Date.now() > end) { killOnExit(); throw new Error(`${what} did not start: ${stderr}`); }
    await sleep(100);
  }
  return {
    logs: () => stderr,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (!running()) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * tests/smtp_tls_sink.py in `mode` (starttls | smtps) on `bind` (127.0.0.1):
 * { port, dir, url(password, host), messages(), logs(), stop() }.
 */
async function startTlsSink(mode, cert, bind = '127.0.0.1') {
  const dir = mkdtempSync(join(tmpdir(), `laurel-tls-sink-${mode}-`));
  const port = await freePort(bind);
  const proc = await startChild(`the ${mode} relay`, [PYTHON, join(REPO, 'tests', 'smtp_tls_sink.py'), '--mode', mode,
    '--host', bind, '--port', String(port), '--cert', cert.cert, '--key', cert.key, '--dir', dir, '--user', USER,
    '--password', PASSWORD], { readyLine: 'ready' });
  const scheme = mode === 'smtps' ? 'smtps' : 'smtp';
  return {
    port, dir,
    url: (password = PASSWORD, host = 'localhost') => `${scheme}://${USER}:${encodeURIComponent(password)}@${host}:${port}`,
    messages: () => readMessages(dir),
    logs: proc.logs,
    async stop() { await proc.stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** The plain sink of mail.test.mjs (tests/smtp_sink.py: no TLS, no AUTH) on host. */
async function startPlainSink(host = '127.0.0.1') {
  const dir = mkdtempSync(join(tmpdir(), 'laurel-sink-'));
  const port = await freePort(host);
  const listen = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const proc = await startChild('the SMTP sink', [PYTHON, '-m', 'aiosmtpd', '-n', '-l', listen, '-c', 'smtp_sink.Sink', dir],
    { host, port });
  return {
    port, dir,
    messages: () => readMessages(dir),
    async stop() { await proc.stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** `laurel mail test` on a database of its own (no server shares its outbox): { status, stdout, stderr }. */
function mailTest(tmp, args) {
  const r = spawnSync(BIN, ['--database', `sqlite:${join(tmp, 'cli.db')}`, '--files', join(tmp, 'cli-files'), ...args],
    { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return r;
}

/** Registers an account (which queues its `verify` mail); returns its address. */
async function register(server) {
  const body = accountBody();
  expectStatus(assert, await new Client(server.url).post('/accounts', body), 201);
  return body.email;
}

async function outboxRow(admin, email) {
  const r = await admin.get('/admin/mail');
  expectStatus(assert, r, 200);
  return r.body.messages.find((m) => m.to === email);
}

describe('mail to a relay with a private certificate', () => {
  let cert; let starttls; let smtps;
  before(async () => {
    cert = makeCertificate();
    starttls = await startTlsSink('starttls', cert);
    smtps = await startTlsSink('smtps', cert);
  });
  after(async () => {
    if (starttls) await starttls.stop();
    if (smtps) await smtps.stop();
    if (cert) rmSync(cert.dir, { recursive: true, force: true });
  });

  it('a missing or non-PEM --smtp-ca (or smtp_ca) stops the start with a message', () => {
    const run = (args) => spawnSync(BIN, ['--database', `sqlite:${join(cert.dir, 'start.db')}`, '--files', join(cert.dir, 'files'),
      ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    const serve = ['serve', '--listen', '127.0.0.1:0', '--smtp', starttls.url()];
    const missing = run([...serve, '--smtp-ca', join(cert.dir, 'no-such-ca.pem')]);
    assert.equal(missing.status, 1, missing.stdout + missing.stderr);
    assert.match(missing.stderr, /laurel: --smtp-ca .*no-such-ca\.pem: no such file/);
    assert.doesNotMatch(missing.stdout, /listening/);
    const notPem = join(cert.dir, 'not-a-cert.txt');
    writeFileSync(notPem, 'hello\n');
    const bad = run([...serve, '--smtp-ca', notPem]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--smtp-ca .*not-a-cert\.txt: no PEM certificate/);
    const dir = run([...serve, '--smtp-ca', cert.dir]);
    assert.equal(dir.status, 1);
    assert.match(dir.stderr, /--smtp-ca .*: not a file/);
    const config = join(cert.dir, 'missing-ca.toml');
    writeFileSync(config, `smtp = "${starttls.url()}"\nsmtp_ca = "${join(cert.dir, 'gone.pem')}"\n`);
    const fromConfig = run(['--config', config, 'mail', 'test', '--to', 'someone@example.org']);
    assert.equal(fromConfig.status, 1);
    assert.match(fromConfig.stderr, /--smtp-ca .*gone\.pem: no such file/);
  });

  it('laurel mail test: STARTTLS + AUTH and smtps:// (from the config file\'s smtp_ca) are delivered with the CA; without it, not', async () => {
    const to1 = `starttls-${Date.now()}@example.org`;
    const ok = mailTest(cert.dir, ['mail', 'test', '--to', to1, '--smtp', starttls.url(), '--smtp-ca', cert.cert, '--mail-from', FROM]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr + starttls.logs());
    assert.match(ok.stdout, new RegExp(`smtp://${USER}:\\*\\*\\*@localhost:\\d+: 250 `));
    assert.ok(!ok.stdout.includes(PASSWORD) && !ok.stderr.includes(PASSWORD), 'the password is printed');
    const m1 = await waitFor('the STARTTLS message', () => starttls.messages().find((m) => m.to === to1));
    assert.equal(m1.from, 'noreply@example.org');

    const config = join(cert.dir, 'smtps.toml');
    writeFileSync(config, `smtp = "${smtps.url()}"\nsmtp_ca = "${cert.cert}"\nmail_from = "${FROM}"\n`);
    const to2 = `smtps-${Date.now()}@example.org`;
    const viaConfig = mailTest(cert.dir, ['--config', config, 'mail', 'test', '--to', to2]);
    assert.equal(viaConfig.status, 0, viaConfig.stdout + viaConfig.stderr + smtps.logs());
    assert.match(viaConfig.stdout, /smtps:\/\/.*: 250 /);
    await waitFor('the smtps message', () => smtps.messages().find((m) => m.to === to2));

    // The relay's certificate is self-signed: without --smtp-ca nothing is sent, on either port.
    for (const url of [starttls.url(), smtps.url()]) {
      const to = `untrusted-${Date.now()}@example.org`;
      const r = mailTest(cert.dir, ['mail', 'test', '--to', to, '--smtp', url, '--mail-from', FROM]);
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stdout, /certificate/i);
      assert.match(r.stdout, /: queued\)$/m);
    }
    // Without AUTH the relay refuses MAIL (it requires it): the deliveries above did authenticate.
    const noAuth = mailTest(cert.dir, ['mail', 'test', '--to', `noauth-${Date.now()}@example.org`,
      '--smtp', `smtp://localhost:${starttls.port}`, '--smtp-ca', cert.cert, '--mail-from', FROM]);
    assert.equal(noAuth.status, 1);
    assert.match(noAuth.stdout, /530 .*Authentication required.*failed\)$/m);
    assert.equal(starttls.messages().filter((m) => /untrusted|noauth/.test(m.to)).length, 0);
    assert.equal(smtps.messages().filter((m) => /untrusted|noauth/.test(m.to)).length, 0);
  });

  it('the host name is verified too: the trusted certificate, reached as 127.0.0.2 (not in it), is refused', async () => {
    const other = await startTlsSink('starttls', cert, '127.0.0.2');
    try {
      const to = `wrong-name-${Date.now()}@example.org`;
      const r = mailTest(cert.dir, ['mail', 'test', '--to', to, '--smtp', other.url(PASSWORD, '127.0.0.2'),
        '--smtp-ca', cert.cert, '--mail-from', FROM]);
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stdout, /does not match|no alternative certificate subject name matches/i);
      assert.match(r.stdout, /: queued\)$/m);
      assert.equal(other.messages().length, 0);
    } finally {
      await other.stop();
    }
  });

  describe('laurel serve --smtp smtp://user:pass@localhost (STARTTLS) --smtp-ca cert.pem', () => {
    let server; let admin;
    before(async () => {
      server = await startServer({ extraArgs: ['--smtp', starttls.url(), '--smtp-ca', cert.cert, '--mail-from', FROM,
        '--mail-retry-base-seconds', '1'] });
      admin = await adminClient(server);
    });
    after(async () => { if (server) await server.stop(); });

    it('delivers a registration\'s verification mail through STARTTLS and AUTH; the row is sent', async () => {
      const email = await register(server);
      const m = await waitFor('the verification mail at the relay', () => starttls.messages().find((x) => x.to === email));
      assert.equal(m.from, 'noreply@example.org');
      assert.match(m.headers['content-type'], /multipart\/alternative/);
      assert.match(m.text, /\/verify\/[A-Za-z0-9_-]+/);
      const row = await waitFor('the row to be sent', async () => {
        const r = await outboxRow(admin, email);
        return r && r.status === 'sent' && r;
      });
      assert.equal(row.kind, 'verify');
      assert.equal(row.attempts, 1);
      assert.match(row.last_answer, /^250 /);
      assert.equal(row.last_error, '');
      assert.match(server.logs(), new RegExp(`Mail: via smtp://${USER}:\\*\\*\\*@localhost:${starttls.port}`));
      assert.ok(!server.logs().includes(PASSWORD), 'the relay password is in the server\'s output');
    });
  });

  describe('laurel serve --smtp smtps://…@localhost --smtp-ca cert.pem', () => {
    let server; let admin;
    before(async () => {
      server = await startServer({ extraArgs: ['--smtp', smtps.url(), '--smtp-ca', cert.cert, '--mail-from', FROM] });
      admin = await adminClient(server);
    });
    after(async () => { if (server) await server.stop(); });

    it('delivers over implicit TLS; the row is sent', async () => {
      const email = await register(server);
      await waitFor('the verification mail at the relay', () => smtps.messages().find((x) => x.to === email));
      const row = await waitFor('the row to be sent', async () => {
        const r = await outboxRow(admin, email);
        return r && r.status === 'sent' && r;
      });
      assert.match(row.last_answer, /^250 /);
    });
  });

  describe('a wrong relay password', () => {
    let server; let admin;
    before(async () => {
      server = await startServer({ extraArgs: ['--smtp', starttls.url('Wrong-password-1'), '--smtp-ca', cert.cert,
        '--mail-from', FROM, '--mail-retry-base-seconds', '1'] });
      admin = await adminClient(server);
    });
    after(async () => { if (server) await server.stop(); });

    it('fails the message with the relay\'s 535 (permanent), delivers nothing, and the server keeps serving', async () => {
      const email = await register(server);
      const row = await waitFor('the row to fail', async () => {
        const r = await outboxRow(admin, email);
        return r && r.status === 'failed' && r;
      });
      assert.match(row.last_error, /^535 /);
      assert.match(row.last_answer, /^535 /);
      assert.equal(row.attempts, 1, 'a 5xx is not retried');
      assert.equal(starttls.messages().filter((m) => m.to === email).length, 0);
      assert.ok(server.alive());
      expectStatus(assert, await new Client(server.url).get('/calls'), 200);
      assert.ok(!server.logs().includes('Wrong-password-1'), 'the relay password is in the server\'s output');
    });
  });

  describe('no --smtp-ca: the relay\'s self-signed certificate is not trusted', () => {
    let server; let admin;
    before(async () => {
      server = await startServer({ extraArgs: ['--smtp', starttls.url(), '--mail-from', FROM, '--mail-retry-base-seconds', '1'] });
      admin = await adminClient(server);
    });
    after(async () => { if (server) await server.stop(); });

    it('sends nothing; the row stays queued with the TLS error and is retried; no crash', async () => {
      const email = await register(server);
      const row = await waitFor('a second attempt', async () => {
        const r = await outboxRow(admin, email);
        return r && r.status === 'queued' && r.attempts >= 2 && r;
      }, 20_000);
      assert.match(row.last_error, /SSL certificate problem|certificate verify failed/i);
      assert.equal(starttls.messages().filter((m) => m.to === email).length, 0);
      assert.ok(server.alive());
      expectStatus(assert, await new Client(server.url).get('/calls'), 200);
    });
  });
});

/**
 * A name or address for this machine that the SMTP code does not take for loopback (it looks at
 * the URL's host: 127.*, localhost, [::1]) and that a sink can listen on: the host name when it
 * resolves (to whatever address, often 127.0.1.1), else a non-internal IPv4 address; null if none.
 */
async function nonLoopbackName() {
  const name = hostname();
  if (name && !/^(localhost|127\.)/i.test(name)) {
    try {
      const { address } = await lookup(name, { family: 4 });
      return { host: name, bind: address };
    } catch { /* does not resolve */ }
  }
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list || []) if (a.family === 'IPv4' && !a.internal) return { host: a.address, bind: a.address };
  }
  return null;
}

describe('a password is never sent in clear to a relay that is not on loopback', () => {
  let target; let sink; let tmp;
  before(async () => {
    target = await nonLoopbackName();
    if (!target) return;
    tmp = mkdtempSync(join(tmpdir(), 'laurel-cleartext-'));
    sink = await startPlainSink(target.bind);
  });
  after(async () => {
    if (sink) await sink.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('with credentials and a non-loopback host, a relay without STARTTLS gets nothing; without credentials it does', async (t) => {
    if (!target) { t.skip('no host name or address of this machine that is not loopback'); return; }
    const url = (auth) => `smtp://${auth}${target.host}:${sink.port}`;
    const to = `cleartext-${Date.now()}@example.org`;
    const refused = mailTest(tmp, ['mail', 'test', '--to', to, '--smtp', url(`${USER}:${PASSWORD}@`), '--mail-from', FROM]);
    assert.equal(refused.status, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /STARTTLS/);
    assert.match(refused.stdout, /: queued\)$/m);
    assert.ok(!refused.stdout.includes(PASSWORD));
    // The same relay without credentials: reachable, and it takes the message in clear.
    const plainTo = `plain-${Date.now()}@example.org`;
    const plain = mailTest(tmp, ['mail', 'test', '--to', plainTo, '--smtp', url(''), '--mail-from', FROM]);
    assert.equal(plain.status, 0, plain.stdout + plain.stderr);
    await waitFor('the message without credentials', () => sink.messages().find((m) => m.to === plainTo));
    assert.equal(sink.messages().filter((m) => m.to === to).length, 0);
  });
});

describe('laurel serve --mail-per-minute 3', () => {
  let sink; let server; let admin;
  before(async () => {
    sink = await startPlainSink();
    server = await startServer({ extraArgs: ['--smtp', `smtp://127.0.0.1:${sink.port}`, '--mail-from', FROM, '--mail-per-minute', '3'] });
    admin = await adminClient(server);
  });
  after(async () => {
    if (server) await server.stop();
    if (sink) await sink.stop();
  });

  it('sends 3 of 6 messages in the first minute; the other 3 wait, queued and untried', async () => {
    const emails = [];
    const t0 = Date.now();
    for (let i = 0; i < 6; i += 1) emails.push(await register(server));
    const arrived = () => sink.messages().filter((m) => emails.includes(m.to));
    await waitFor('3 messages at the sink', () => arrived().length >= 3, 20_000);
    // The sender looks every second: 8 s after the first registration (and at least 3 s after
    // the third delivery) a fourth message would have gone out were there no limit.
    await sleep(Math.max(3_000, t0 + 8_000 - Date.now()));
    assert.equal(arrived().length, 3, `arrived: ${arrived().map((m) => m.to).join(', ')}`);
    const rows = (await admin.get('/admin/mail')).body.messages.filter((m) => emails.includes(m.to));
    assert.equal(rows.length, 6);
    const by = (s) => rows.filter((m) => m.status === s);
    assert.equal(by('sent').length, 3, JSON.stringify(rows));
    assert.equal(by('queued').length, 3, JSON.stringify(rows));
    assert.ok(by('queued').every((m) => m.attempts === 0), 'a message waiting for the limit was tried');
    assert.deepEqual(by('sent').map((m) => m.to).sort(), arrived().map((m) => m.to).sort());
  });
});
