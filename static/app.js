// Laurel progressive enhancement: live countdowns, confirmations, and autosave that never
// loses text (a failed save keeps the text in localStorage and retries).
(function () {
  'use strict';

  // ---- countdowns: data-deadline is ISO 8601 with the call's offset ----
  function renderCountdown(el) {
    var end = Date.parse(el.getAttribute('data-deadline'));
    if (isNaN(end)) return;
    var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
    var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    el.textContent = left === 0 ? el.getAttribute('data-closed')
      : el.getAttribute('data-format').replace('{days}', d).replace('{hms}', pad(h) + ':' + pad(m) + ':' + pad(s));
  }
  function tickAll() { document.querySelectorAll('[data-deadline]').forEach(renderCountdown); }

  // ---- confirmations ----
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);

  // ---- autosave ----
  function collect(form) {
    var f = { criteria: {}, organizations: [] };
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === '_csrf' || el.name === 'action' || el.name === 'recommendation_code') return;  // the code is saved with the form, not autosaved
      if (el.name.indexOf('criteria.') === 0) { f.criteria[el.name.slice(9)] = el.value; return; }
      if (el.name === 'organizations') {
        f.organizations = el.value.split('\n').map(function (s) { return s.trim(); }).filter(Boolean); return;
      }
      if (el.name === 'countries') {
        f.countries = Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
        return;
      }
      f[el.name] = el.value;
    });
    return f;
  }
  function apply(form, f) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === '_csrf' || el.name === 'action' || el.name === 'recommendation_code') return;
      if (el.name.indexOf('criteria.') === 0) { var k = el.name.slice(9); if (f.criteria && k in f.criteria) el.value = f.criteria[k]; return; }
      if (el.name === 'organizations') { if (f.organizations) el.value = f.organizations.join('\n'); return; }
      if (el.name === 'countries') {
        if (f.countries) Array.prototype.forEach.call(el.options, function (o) { o.selected = f.countries.indexOf(o.value) >= 0; });
        return;
      }
      if (el.name in f) el.value = f[el.name];
    });
  }

  function setupAutosave(form) {
    if (form.getAttribute('data-autosave') !== '1') return;
    var id = form.getAttribute('data-id');
    var key = 'laurel.unsaved.' + id;
    var status = document.getElementById('autosave-status');
    var csrf = document.querySelector('meta[name="csrf-token"]').content;
    var msg = function (k) { return form.getAttribute('data-msg-' + k) || ''; };
    var timer = null, inflight = false, again = false;
    var saved = collect(form), lastSent = JSON.stringify(saved);  // what the server holds
    // Only the fields that differ from what the server holds are sent.
    function changes(prev, cur) {
      var out = {};
      Object.keys(cur).forEach(function (k) {
        if (k === 'criteria') {
          var c = {}, any = false;
          Object.keys(cur.criteria).forEach(function (s) {
            if ((prev.criteria || {})[s] !== cur.criteria[s]) { c[s] = cur.criteria[s]; any = true; }
          });
          if (any) out.criteria = c;
        } else if (JSON.stringify(prev[k]) !== JSON.stringify(cur[k])) {
          out[k] = cur[k];
        }
      });
      return out;
    }
    function show(text, bad) { status.textContent = text; status.className = 'autosave' + (bad ? ' bad' : ''); }

    function save() {
      if (inflight) { again = true; return; }
      var fields = collect(form), body = JSON.stringify({ fields: changes(saved, fields) });
      if (JSON.stringify(fields) === lastSent) return;
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), fields: fields }));
      inflight = true;
      show(msg('saving'));
      fetch('/api/v1/submissions/' + encodeURIComponent(id), {
        method: 'PATCH', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: body
      }).then(function (res) {
        if (res.ok) {
          saved = fields;
          lastSent = JSON.stringify(fields);
          if (JSON.stringify(collect(form)) === lastSent) localStorage.removeItem(key);
          show(msg('saved').replace('{time}', new Date().toLocaleTimeString()));
        } else if (res.status === 401 || res.status === 403) {
          show(msg('session'), true);
        } else {
          return res.json().catch(function () { return {}; }).then(function (j) {
            show((j.error && j.error.message) || msg('failed'), true);
            schedule(8000);
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

    // Only the entry's own fields (named inputs); materials' captions and files save themselves.
    form.addEventListener('input', function (e) {
      if (!e.target.name) return;
      localStorage.setItem(key, JSON.stringify({ at: Date.now(), fields: collect(form) }));
      schedule(1200);
    });
    form.addEventListener('change', function (e) { if (e.target.name) schedule(600); });
    var sending = false;  // the form itself carries the text: no need to warn then
    form.addEventListener('submit', function () { clearTimeout(timer); sending = true; });
    window.addEventListener('online', function () { schedule(200); });
    window.addEventListener('beforeunload', function (e) {
      if (!sending && localStorage.getItem(key)) { e.preventDefault(); e.returnValue = ''; }
    });

    // Text kept in this browser from a save that did not arrive: put it back and save it.
    var kept = localStorage.getItem(key);
    if (kept) {
      try {
        var k = JSON.parse(kept);
        if (JSON.stringify(k.fields) !== lastSent) {
          apply(form, k.fields);
          show(msg('restored'));
          schedule(300);
        } else {
          localStorage.removeItem(key);
        }
      } catch (e) { localStorage.removeItem(key); }
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    tickAll();
    if (document.querySelector('[data-deadline]')) setInterval(tickAll, 1000);
    var form = document.getElementById('entry-form');
    if (form) setupAutosave(form);
  });
})();
