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
