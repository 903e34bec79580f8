// The deadline is enforced: a call loaded with a deadline a few seconds ahead.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, newApplicant, adminClient, expectStatus, expectError, createDraft,
  fullAwardFields, callToml, shanghaiLocal,
} from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('deadline', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { if (server) await server.stop(); });

  it('submitting or editing after the deadline returns 409 deadline_passed', async () => {
    const admin = await adminClient(server);
    const applicant = await newApplicant(server);

    // Whole seconds, at least 5 s ahead; local time in Asia/Shanghai (fixed +08:00).
    const deadlineMs = Math.floor((Date.now() + 6000) / 1000) * 1000;
    const deadline = shanghaiLocal(new Date(deadlineMs));
    const toml = callToml({ slug: 'late-test', prefix: 'LX25', deadline, categorySlug: 'only', code: 'ON' });
    const load = await admin.api('POST', '/admin/calls', {
      body: toml, headers: { 'Content-Type': 'application/toml' },
    });
    expectStatus(assert, load, 200);
    assert.deepEqual(load.body.calls, ['late-test']);

    const call = await applicant.get('/calls/late-test');
    expectStatus(assert, call, 200);
    assert.equal(call.body.time_zone, 'Asia/Shanghai');
    assert.equal(Date.parse(call.body.deadline), deadlineMs,
      `deadline ${call.body.deadline} = ${deadline} +08:00 (not shifted by --demo)`);
    assert.match(call.body.deadline, /\+08:00$/);

    const fields = await fullAwardFields(applicant, 'only', 'late-test');
    const first = await createDraft(applicant, 'late-test', 'only', fields);
    const ok = await applicant.post(`/submissions/${first}/submit`, {});
    expectStatus(assert, ok, 200);
    assert.equal(ok.body.status, 'submitted');
    assert.equal(ok.body.receipt, 'LX25-ON-0001');
    const second = await createDraft(applicant, 'late-test', 'only', fields);
    assert.ok(Date.now() < deadlineMs, 'setup finished before the deadline');

    await sleep(Math.max(0, deadlineMs - Date.now()) + 1500);

    const late = await applicant.post(`/submissions/${second}/submit`, {});
    expectError(assert, late, 409, 'deadline_passed');
    const lateEdit = await applicant.patch(`/submissions/${second}`, { fields: { title_en: 'Too late' } });
    expectError(assert, lateEdit, 409, 'deadline_passed');
    const lateEditSubmitted = await applicant.patch(`/submissions/${first}`, { fields: { title_en: 'Too late' } });
    expectError(assert, lateEditSubmitted, 409, 'deadline_passed');

    const got = await applicant.get(`/submissions/${second}`);
    expectStatus(assert, got, 200);
    assert.equal(got.body.status, 'draft');
    assert.notEqual(got.body.fields.title_en, 'Too late');
    const gotFirst = await applicant.get(`/submissions/${first}`);
    assert.equal(gotFirst.body.status, 'submitted');
    assert.equal(gotFirst.body.receipt, 'LX25-ON-0001');
  });
});
