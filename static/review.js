// Laurel review form (templates/review.html): the draft saves itself as the expert types
// (PATCH /api/v1/reviews/{id} with the page's CSRF token), as the entry form's autosave does in
// static/app.js; a save that does not arrive keeps the text in localStorage and retries. The
// form still works without this script (save draft / submit post the whole form).
(function () {
  'use strict';

  function collect(form) {
    var out = { scores: {}, comments: {}, comment: '', recommendation: null, confidence: null };
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      if (el.name.indexOf('score.') === 0) {
        var k = el.name.slice(6);
        if (!(k in out.scores)) out.scores[k] = null;
        if (el.type === 'radio') { if (el.checked) out.scores[k] = Number(el.value); }
        else if (el.value.trim() !== '') out.scores[k] = Number(el.value);
      } else if (el.name.indexOf('comment.') === 0) {
        out.comments[el.name.slice(8)] = el.value;
      } else if (el.name === 'comment') {
        out.comment = el.value;
      } else if (el.name === 'recommendation') {
        out.recommendation = el.value || null;
      } else if (el.name === 'confidence') {
        if (el.checked) out.confidence = Number(el.value);
      }
    });
    return out;
  }

  function apply(form, r) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      if (el.name.indexOf('score.') === 0) {
        var v = r.scores ? r.scores[el.name.slice(6)] : undefined;
        if (v === undefined) return;
        if (el.type === 'radio') el.checked = v !== null && Number(el.value) === v;
        else el.value = v === null ? '' : String(v);
      } else if (el.name.indexOf('comment.') === 0) {
        var c = r.comments ? r.comments[el.name.slice(8)] : undefined;
        if (typeof c === 'string') el.value = c;
      } else if (el.name === 'comment') {
        if (typeof r.comment === 'string') el.value = r.comment;
      } else if (el.name === 'recommendation') {
        el.value = r.recommendation || '';
      } else if (el.name === 'confidence') {
        el.checked = r.confidence !== null && Number(el.value) === r.confidence;
      }
    });
  }

  function setup(form) {
    var id = form.getAttribute('data-id');
    var key = 'laurel.review.' + id;
    var status = document.getElementById('review-autosave');
    var meta = document.querySelector('meta[name="csrf-token"]');
    var csrf = meta ? meta.content : '';
    var msg = function (k) { return form.getAttribute('data-msg-' + k) || ''; };
    var show = function (text, bad) { if (!status) return; status.textContent = text; status.className = 'autosave' + (bad ? ' bad' : ''); };
    var timer = null, inflight = false, again = false;
    var lastSent = JSON.stringify(collect(form));  // what the server holds

    function save() {
      if (inflight) { again = true; return; }
      var now = collect(form), body = JSON.stringify(now);
      if (body === lastSent) return;
      localStorage.setItem(key, body);
      inflight = true;
      show(msg('saving'));
      fetch('/api/v1/reviews/' + encodeURIComponent(id), {
        method: 'PATCH', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: body
      }).then(function (res) {
        if (res.ok) {
          lastSent = body;
          if (JSON.stringify(collect(form)) === lastSent) localStorage.removeItem(key);
          show(msg('saved').replace('{time}', new Date().toLocaleTimeString()));
        } else if (res.status === 401 || res.status === 403) {
          show(msg('session'), true);
        } else {
          return res.json().catch(function () { return {}; }).then(function (j) {
            var e = j.error || {}, first = e.fields ? Object.keys(e.fields)[0] : null;
            show((first && e.fields[first]) || e.message || msg('failed'), true);
            if (res.status !== 422 && res.status !== 409) schedule(8000);
          });
        }
      }).catch(function () {
        show(msg('offline'), true);
        schedule(5000);
      }).then(function () {
        inflight = false;
        if (again) { again = false; schedule(300); }
      });
    }
    function schedule(ms) { clearTimeout(timer); timer = setTimeout(save, ms); }

    form.addEventListener('input', function (e) {
      if (!e.target.name || e.target.name === '_csrf') return;
      localStorage.setItem(key, JSON.stringify(collect(form)));
      schedule(1200);
    });
    form.addEventListener('change', function (e) { if (e.target.name) schedule(600); });
    var sending = false;  // the form itself carries the text
    form.addEventListener('submit', function (e) {
      var btn = e.submitter;
      var ask = btn && btn.getAttribute('data-submit-confirm');
      if (ask && !window.confirm(ask)) { e.preventDefault(); return; }
      clearTimeout(timer);
      sending = true;
      localStorage.removeItem(key);
    });
    window.addEventListener('online', function () { schedule(200); });
    window.addEventListener('beforeunload', function (e) {
      if (!sending && localStorage.getItem(key)) { e.preventDefault(); e.returnValue = ''; }
    });

    // Text kept in this browser from a save that did not arrive: put it back and save it.
    var kept = localStorage.getItem(key);
    if (kept) {
      try {
        if (kept !== lastSent) {
          apply(form, JSON.parse(kept));
          show(msg('restored'));
          schedule(300);
        } else {
          localStorage.removeItem(key);
        }
      } catch (err) { localStorage.removeItem(key); }
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    var form = document.getElementById('review-form');
    if (form) setup(form);
  });
})();
