// The organiser's expert import: a chosen .csv file fills the textarea (then the form is sent as
// usual, and works without this script too); an .xlsx file is sent as it is to
// POST /api/v1/admin/experts.xlsx and the page reloads to show the pool, the outcome announced.
(function () {
  var input = document.querySelector('[data-import-file]');
  if (!input) return;
  var status = document.querySelector('[data-import-status]');
  var form = input.form;
  var csrf = form.querySelector('input[name=_csrf]').value;
  var say = function (text) { status.textContent = text; };
  var en = document.documentElement.lang === 'en';
  var invited = en ? 'invited' : '已邀请', skipped = en ? 'already in the pool' : '已在专家库中';
  input.addEventListener('change', function () {
    var file = input.files && input.files[0];
    if (!file) return;
    var name = file.name.toLowerCase();
    if (name.slice(-4) === '.csv') {
      file.text().then(function (text) { form.querySelector('textarea[name=csv]').value = text; form.submit(); });
      return;
    }
    say(en ? 'Reading ' + file.name + '…' : '正在读取 ' + file.name + '……');
    file.arrayBuffer().then(function (bytes) {
      return fetch('/api/v1/admin/experts.xlsx', {
        method: 'POST', credentials: 'same-origin', body: bytes,
        headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }
      });
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (r) {
      if (!r.ok) {
        var e = r.body && r.body.error;
        var fields = e && e.fields ? Object.keys(e.fields).map(function (k) { return e.fields[k]; }).join(' ') : '';
        say((e && e.message ? e.message : 'Error') + ' ' + fields);
        return;
      }
      var lines = r.body.lines.map(function (l) {
        return l.line + ' · ' + l.email + ' — ' + (l.error ? (l.error.message + ' ' + Object.keys(l.error.fields || {}).map(function (k) { return l.error.fields[k]; }).join(' ')) : l.skipped ? skipped : invited);
      });
      say(lines.join('\n'));
      status.style.whiteSpace = 'pre-line';
    }).catch(function (err) { say(String(err)); });
  });
})();
