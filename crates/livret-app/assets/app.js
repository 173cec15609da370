// livret app: the little the HTML cannot do. Served by the app itself; no other script.
(function () {
  'use strict';

  // A live notice when the invitation on screen is redeemed (server-sent events).
  var status = document.getElementById('redeem-status');
  if (status && status.dataset.events && window.EventSource) {
    var source = new EventSource(status.dataset.events);
    source.addEventListener('redeemed', function (ev) {
      status.textContent = status.dataset.done + ' ' + ev.data + '.';
      status.classList.add('done');
      source.close();
    });
    // Someone redeemed it: the family confirms who, on its own page.
    source.addEventListener('claimed', function (ev) {
      source.close();
      if (ev.data.charAt(0) === '/') { location.assign(ev.data); }
    });
  }

  // Accepting an invitation by its text: the code the family must see too, while it confirms.
  var acceptForm = document.querySelector('form[action="/accept"]');
  var acceptStatus = document.getElementById('accept-status');
  if (acceptForm && acceptStatus && window.fetch) {
    acceptForm.addEventListener('submit', function () {
      var text = acceptForm.querySelector('[name=invitation]').value.trim();
      fetch('/accept/code?invitation=' + encodeURIComponent(text), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : ''; })
        .then(function (t) { if (t) { acceptStatus.textContent = t; } })
        .catch(function () { /* the answer page says what happened */ });
    });
  }

  // Reading a QR code with the camera: frames go to the app (POST /scan, with the session's
  // CSRF token), which decodes them; the text read fills the form's field, and the form is
  // submitted where it asks for it, as if the text had been pasted.
  Array.prototype.forEach.call(document.querySelectorAll('.scanner'), function (box) {
    var start = box.querySelector('.scan-start');
    var stop = box.querySelector('.scan-stop');
    var video = box.querySelector('.scan-video');
    var out = box.querySelector('.scan-status');
    var target = document.getElementById(box.dataset.target);
    if (!start || !video || !target) { return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      start.disabled = true;
      out.textContent = box.dataset.failed;
      return;
    }
    var stream = null, timer = null, busy = false;
    var canvas = document.createElement('canvas');

    function halt() {
      if (timer) { clearInterval(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      video.hidden = true; stop.hidden = true; start.hidden = false;
    }

    function found(text) {
      halt();
      target.value = text;
      out.textContent = box.dataset.read;
      target.dispatchEvent(new Event('input', { bubbles: true }));
      var form = target.form;
      if (box.dataset.submit === '1' && form) {
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      } else {
        var fields = form ? Array.prototype.slice.call(
          form.querySelectorAll('input:not([type=hidden]), select, textarea')) : [];
        var next = fields[fields.indexOf(target) + 1];
        (next || target).focus();
      }
    }

    function grab() {
      if (busy || !stream || !video.videoWidth) { return; }
      busy = true;
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext('2d').drawImage(video, 0, 0);
      canvas.toBlob(function (blob) {
        if (!blob) { busy = false; return; }
        var body = new FormData();
        body.append('frame', blob, 'frame.png');
        fetch(box.dataset.scan, { method: 'POST', body: body, credentials: 'same-origin' })
          .then(function (r) { return r.status === 200 ? r.text() : ''; })
          .then(function (text) { busy = false; if (text && stream) { found(text); } })
          .catch(function () { busy = false; });
      }, 'image/png');
    }

    start.addEventListener('click', function () {
      out.textContent = box.dataset.starting;
      navigator.mediaDevices.getUserMedia({ video: true, audio: false }).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false; stop.hidden = false; start.hidden = true;
        var played = video.play();
        if (played && played.catch) { played.catch(function () {}); }
        out.textContent = box.dataset.looking;
        timer = setInterval(grab, 300);
        stop.focus();
      }).catch(function () {
        out.textContent = box.dataset.failed;
        halt();
      });
    });
    stop.addEventListener('click', function () { halt(); out.textContent = ''; start.focus(); });
  });

  // « Synchroniser »: while the sync runs, one line per family as its session ends, read
  // from /sync/status (the answer page then replaces this one with the whole report).
  var syncForm = document.getElementById('sync-form');
  var progress = document.getElementById('sync-progress');
  if (syncForm && progress && window.fetch) {
    syncForm.addEventListener('submit', function () {
      var list = progress.querySelector('ul');
      var title = document.getElementById('sync-progress-title');
      var base = title ? title.textContent.replace(/ \(.*$/, '') : '';
      progress.hidden = false;
      function poll() {
        fetch('/sync/status', { credentials: 'same-origin', cache: 'no-store' })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (st) {
            if (!st) { return; }
            if (title) { title.textContent = base + ' (' + st.lines.length + ' / ' + st.total + ')'; }
            while (list.children.length < st.lines.length) {
              var line = st.lines[list.children.length];
              var li = document.createElement('li');
              li.className = line.ok ? 'ok' : 'bad';
              li.textContent = line.text;
              list.appendChild(li);
            }
            if (st.running || st.lines.length === 0) { setTimeout(poll, 300); }
          })
          .catch(function () { /* the answer page says what happened */ });
      }
      setTimeout(poll, 150);
    });
  }

  // Character counts outside the grid (the end-of-cycle synthesis).
  Array.prototype.forEach.call(document.querySelectorAll('form:not(#grid) textarea[data-max]'), function (t) {
    var out = document.getElementById(t.getAttribute('aria-describedby'));
    if (!out) { return; }
    t.addEventListener('input', function () {
      out.textContent = t.value.length + ' / ' + t.dataset.max;
      out.classList.toggle('over', t.value.length > Number(t.dataset.max));
    });
  });

  // The period grid: character counts, and drafts kept in this browser until signed.
  var grid = document.getElementById('grid');
  if (!grid) { return; }
  var prefix = 'livret-draft:' + location.port + ':' + grid.dataset.grid + ':';
  var fields = Array.prototype.slice.call(
    grid.querySelectorAll('td.cell select, td.cell input, td.cell textarea'));

  function count(t) {
    var out = document.getElementById(t.getAttribute('aria-describedby'));
    if (!out) { return; }
    var n = t.value.length;
    out.textContent = n + ' / ' + t.dataset.max;
    out.classList.toggle('over', n > Number(t.dataset.max));
  }

  function refresh(td) {
    var changed = Array.prototype.some.call(
      td.querySelectorAll('select, input, textarea'),
      function (x) { return x.value !== x.dataset.server; });
    td.classList.toggle('is-draft', changed);
    var mark = td.querySelector('.draft-mark');
    if (mark) { mark.hidden = !changed; }
  }

  function store(f) {
    try {
      if (f.value === f.dataset.server) { localStorage.removeItem(prefix + f.name); }
      else { localStorage.setItem(prefix + f.name, f.value); }
    } catch (e) { /* storage full or off: the field keeps its value */ }
  }

  var saved = grid.hasAttribute('data-clear-drafts');
  fields.forEach(function (f) {
    var td = f.closest('td');
    f.dataset.server = f.value;
    if (saved && !td.classList.contains('cell-error')) {
      // Signed and stored: the draft has done its work.
      localStorage.removeItem(prefix + f.name);
    } else {
      var draft = localStorage.getItem(prefix + f.name);
      if (draft !== null && draft !== f.value) { f.value = draft; }
    }
  });
  fields.forEach(function (f) {
    var td = f.closest('td');
    if (f.tagName === 'TEXTAREA') { count(f); }
    refresh(td);
    var onChange = function () {
      store(f);
      if (f.tagName === 'TEXTAREA') { count(f); }
      refresh(td);
    };
    f.addEventListener('input', onChange);
    f.addEventListener('change', onChange);
  });
})();
