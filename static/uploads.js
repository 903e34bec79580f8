// Materials on the entry form: resumable uploads (tus, via tus-js-client) with progress, speed,
// time left, pause/resume and retry; captions, order and removal through the JSON API.
// An interrupted upload (network, closed tab, restarted server) continues where it stopped:
// tus-js-client remembers it in localStorage and the server keeps every byte it acknowledged.
(function () {
  'use strict';
  var root = document.getElementById('materials');
  if (!root || !window.tus || !root.getAttribute('data-editable')) return;
  var submission = root.getAttribute('data-submission');
  var csrfInput = document.querySelector('input[name="_csrf"]');
  var csrf = csrfInput ? csrfInput.value : '';
  var active = 0;

  function msg(name, params) {
    var s = root.getAttribute('data-msg-' + name) || name;
    Object.keys(params || {}).forEach(function (k) { s = s.split('{' + k + '}').join(params[k]); });
    return s;
  }
  // As the server writes sizes (core/material.cpp format_size): "20 MiB", "1.5 MiB".
  function size(n) {
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 || Math.abs(n - Math.round(n)) < 0.05 ? Math.round(n) : n.toFixed(1)) + ' ' + u[i];
  }
  function duration(s) {
    if (!isFinite(s) || s < 0) return '…';
    s = Math.round(s);
    var h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
    var pad = function (x) { return (x < 10 ? '0' : '') + x; };
    return h ? h + ':' + pad(m) + ':' + pad(r) : m + ':' + pad(r);
  }
  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: 'same-origin',
      headers: Object.assign({ 'X-CSRF-Token': csrf }, body ? { 'Content-Type': 'application/json' } : {}),
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      if (r.status === 204) return null;
      return r.json().then(function (j) { if (!r.ok) throw new Error((j.error && j.error.message) || r.status); return j; });
    });
  }
  function serverReason(err) {
    try {
      var body = err.originalResponse && err.originalResponse.getBody();
      var j = body && JSON.parse(body);
      if (j && j.error && j.error.message) return j.error.message;
    } catch (e) { /* not JSON */ }
    return err.message || String(err);
  }

  // The lists come from the server's own rendering of the edit page, so pages and script agree.
  // Items that did not change keep their node, so a caption being typed is never lost.
  var refreshing = null;
  function refresh() {
    if (refreshing) return refreshing;
    refreshing = fetch('/entries/' + encodeURIComponent(submission) + '/edit', { credentials: 'same-origin' })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        root.querySelectorAll('.material-kind').forEach(function (sec) {
          var fresh = doc.querySelector('.material-kind[data-kind="' + sec.getAttribute('data-kind') + '"]');
          if (!fresh) return;
          var list = sec.querySelector('.material-list'), freshList = fresh.querySelector('.material-list');
          if (list && freshList) merge(list, freshList);
          var err = sec.querySelector(':scope > .field-error'), freshErr = fresh.querySelector(':scope > .field-error');
          if (err && !freshErr) err.remove();
        });
        refreshing = null;
        if (root.querySelector('.material.status-processing')) setTimeout(refresh, 1500);
      }, function () { refreshing = null; });
    return refreshing;
  }
  function signature(li) {
    var img = li.querySelector('img');
    return li.className + '|' + (img ? img.getAttribute('src') : '') + '|' +
      Array.prototype.map.call(li.querySelectorAll('[data-action]'), function (b) { return b.getAttribute('data-action'); }).join();
  }
  function merge(list, freshList) {
    var old = {};
    Array.prototype.forEach.call(list.children, function (li) { old[li.getAttribute('data-id')] = li; });
    var focused = document.activeElement;
    var focusedItem = focused && focused.closest ? focused.closest('.material') : null;
    var next = Array.prototype.map.call(freshList.children, function (li) {
      var keep = old[li.getAttribute('data-id')];
      if (keep && signature(keep) === signature(li)) return keep;
      var node = document.importNode(li, true);
      if (keep) {  // changed (now ready, moved…): the new node, with what is being typed
        keep.querySelectorAll('input[data-caption]').forEach(function (input) {
          var twin = node.querySelector('input[data-caption="' + input.getAttribute('data-caption') + '"]');
          if (twin) twin.value = input.value;
        });
      }
      return node;
    });
    next.forEach(function (li) { list.appendChild(li); });  // appendChild moves kept nodes into order
    Array.prototype.slice.call(list.children).forEach(function (li) { if (next.indexOf(li) < 0) li.remove(); });
    if (focusedItem && !focused.isConnected) {
      var again = list.querySelector('.material[data-id="' + focusedItem.getAttribute('data-id') +
        '"] input[data-caption="' + focused.getAttribute('data-caption') + '"]');
      if (again) again.focus();
    }
  }

  function showResumable() {
    var box = root.querySelector('.resumable');
    if (!box) return;
    var names = [];
    try {
      for (var k = 0; k < localStorage.length; k++) {
        var key = localStorage.key(k);
        if (key.indexOf('tus::laurel/' + submission + '/') !== 0) continue;
        var parts = key.split('/');
        if (parts[3] && names.indexOf(parts[3]) < 0) names.push(parts[3]);
      }
    } catch (e) { /* no storage */ }
    box.textContent = names.length ? msg('resumable', { names: names.join(', ') }) : '';
    box.hidden = !names.length;
  }

  function addUpload(section, file) {
    var kind = section.getAttribute('data-kind');
    var max = Number(section.getAttribute('data-max-size'));
    var list = section.querySelector('.upload-list');
    var li = document.createElement('li');
    li.className = 'upload';
    var name = document.createElement('span'); name.className = 'upload-name'; name.textContent = file.name;
    var bar = document.createElement('progress'); bar.max = 100; bar.value = 0;
    var status = document.createElement('span'); status.className = 'upload-status muted'; status.textContent = msg('waiting');
    var pause = document.createElement('button'); pause.type = 'button'; pause.className = 'btn small'; pause.textContent = msg('pause');
    var cancel = document.createElement('button'); cancel.type = 'button'; cancel.className = 'btn small'; cancel.textContent = msg('cancel');
    li.append(name, bar, pause, cancel, status);
    list.appendChild(li);
    if (max && file.size > max) {
      status.textContent = msg('too-large', { name: file.name, size: size(max) });
      status.className = 'upload-status field-error';
      bar.remove(); pause.remove();
      cancel.onclick = function () { li.remove(); };
      return;
    }
    var started = 0, base = 0, paused = false, finished = false;
    var upload = new window.tus.Upload(file, {
      endpoint: '/uploads/',
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000],
      removeFingerprintOnSuccess: true,
      storeFingerprintForResuming: true,
      metadata: { submission: submission, kind: kind, filename: file.name },
      headers: { 'X-CSRF-Token': csrf },
      fingerprint: function (f) {
        return Promise.resolve(['laurel', submission, kind, f.name, f.type, f.size, f.lastModified].join('/'));
      },
      onProgress: function (sent, total) {
        if (!started) { started = Date.now(); base = sent; }
        var secs = (Date.now() - started) / 1000, rate = secs > 0.5 ? (sent - base) / secs : 0;
        bar.value = total ? Math.floor(sent * 100 / total) : 0;
        status.className = 'upload-status muted';
        status.textContent = msg('progress', {
          done: size(sent), total: size(total), speed: rate ? size(rate) : '…',
          left: rate ? duration((total - sent) / rate) : '…'
        });
      },
      onShouldRetry: function (err, attempt, options) {
        var s = err.originalResponse ? err.originalResponse.getStatus() : 0;
        status.textContent = msg('retrying');
        // Client errors are final (wrong type, over a limit, deadline) — except conflicts.
        return !(s >= 400 && s < 500) || s === 409 || s === 423;
      },
      onError: function (err) {
        active--; finished = true;
        status.className = 'upload-status field-error';
        status.textContent = msg('failed', { reason: serverReason(err) });
        pause.textContent = msg('resume');
        paused = true;
      },
      onSuccess: function () {
        active--; finished = true;
        bar.value = 100;
        status.textContent = msg('done');
        pause.remove(); cancel.remove();
        showResumable();
        refresh().then(function () { setTimeout(function () { li.remove(); }, 1500); });
      }
    });
    function start() {
      active++; finished = false; started = 0;
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      });
    }
    pause.onclick = function () {
      if (paused) { paused = false; pause.textContent = msg('pause'); start(); return; }
      paused = true; pause.textContent = msg('resume');
      upload.abort(); active--;
      status.textContent = msg('paused');
    };
    cancel.onclick = function () {
      if (!finished && !paused) active--;
      upload.abort(true).catch(function () { /* already gone */ });
      li.remove();
    };
    start();
  }

  root.querySelectorAll('.material-kind').forEach(function (section) {
    var input = section.querySelector('.file-input');
    var zone = section.querySelector('.dropzone');
    if (!input || !zone) return;
    input.addEventListener('change', function () {
      Array.prototype.forEach.call(input.files, function (f) { addUpload(section, f); });
      input.value = '';
    });
    ['dragenter', 'dragover'].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      zone.addEventListener(t, function () { zone.classList.remove('over'); });
    });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      Array.prototype.forEach.call(e.dataTransfer.files, function (f) { addUpload(section, f); });
    });
  });

  // Remove, reorder, captions: event delegation over the lists the server renders.
  root.addEventListener('click', function (e) {
    var btn = e.target.closest('button[data-action]');
    if (!btn) return;
    var item = btn.closest('.material'), id = item.getAttribute('data-id');
    var action = btn.getAttribute('data-action');
    if (action === 'remove') {
      if (!window.confirm(msg('remove-confirm'))) return;
      api('DELETE', '/api/v1/materials/' + id).then(refresh, function (err) { window.alert(err.message); });
      return;
    }
    var ids = Array.prototype.map.call(root.querySelectorAll('.material[data-id]'), function (el) { return el.getAttribute('data-id'); });
    var i = ids.indexOf(id), j = action === 'up' ? i - 1 : i + 1;
    if (i < 0 || j < 0 || j >= ids.length) return;
    ids[i] = ids[j]; ids[j] = id;
    api('PUT', '/api/v1/submissions/' + submission + '/materials/order', { order: ids })
      .then(refresh, function (err) { window.alert(err.message); });
  });
  root.addEventListener('change', function (e) {
    var input = e.target.closest('input[data-caption]');
    if (!input) return;
    var item = input.closest('.material'), caption = {};
    item.querySelectorAll('input[data-caption]').forEach(function (el) { caption[el.getAttribute('data-caption')] = el.value; });
    api('PATCH', '/api/v1/materials/' + item.getAttribute('data-id'), { caption: caption }).then(function () {
      input.title = msg('saved');
    }, function (err) { window.alert(err.message); });
  });

  // Uploads this browser began for this entry and did not finish (tab closed, network gone).
  showResumable();
  if (root.querySelector('.material.status-processing')) setTimeout(refresh, 1500);
  window.addEventListener('beforeunload', function (e) {
    if (active > 0) { e.preventDefault(); e.returnValue = ''; }
  });
})();
