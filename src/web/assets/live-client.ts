/**
 * The page's one script, served as /assets/live.js (the CSP allows scripts from this
 * origin only, never inline). It listens to /api/v1/stream (server-sent events) and
 * updates the cells of a context in place, found by their data attributes; text is set
 * with textContent only, so device-sourced strings stay text. It also refreshes the
 * relative times ("3 min ago"). Without it the page still works: it is plain HTML.
 */
export const LIVE_JS = `(function () {
  'use strict';
  if (!document.body || document.body.getAttribute('data-live') !== '1') return;
  var status = document.getElementById('live-status');
  function setStatus(state, text) {
    if (!status) return;
    status.setAttribute('data-state', state);
    status.textContent = text;
  }
  function rel(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return '';
    var d = Math.round((Date.now() - t) / 1000);
    var a = Math.abs(d);
    var v = a < 60 ? a + ' s' : a < 3600 ? Math.floor(a / 60) + ' min' : a < 172800 ? Math.floor(a / 3600) + ' h' : Math.floor(a / 86400) + ' d';
    return d >= 0 ? v + ' ago' : 'in ' + v;
  }
  function refreshTimes() {
    var els = document.querySelectorAll('[data-rel]');
    for (var i = 0; i < els.length; i++) els[i].textContent = '(' + rel(els[i].getAttribute('data-rel')) + ')';
  }
  function timeNodes(iso, short) {
    var frag = document.createDocumentFragment();
    if (!iso) { var m = document.createElement('span'); m.className = 'muted'; m.textContent = 'never'; frag.appendChild(m); return frag; }
    var t = document.createElement('time');
    t.setAttribute('datetime', iso);
    t.textContent = short;
    var r = document.createElement('span');
    r.className = 'rel';
    r.setAttribute('data-rel', iso);
    r.textContent = '(' + rel(iso) + ')';
    frag.appendChild(t);
    frag.appendChild(document.createTextNode(' '));
    frag.appendChild(r);
    return frag;
  }
  function rowsFor(device, context) {
    var all = document.querySelectorAll('[data-device][data-context]');
    var out = [];
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute('data-device') === device && all[i].getAttribute('data-context') === context) out.push(all[i]);
    }
    return out;
  }
  function fill(row, field, node) {
    var cells = row.querySelectorAll('[data-field="' + field + '"]');
    for (var i = 0; i < cells.length; i++) {
      while (cells[i].firstChild) cells[i].removeChild(cells[i].firstChild);
      cells[i].appendChild(node.cloneNode(true));
    }
  }
  function badge(u) {
    var b = document.createElement('span');
    b.className = 'badge state-' + u.tone;
    b.setAttribute('data-state', u.sync);
    b.title = u.help;
    var s = document.createElement('span');
    s.setAttribute('aria-hidden', 'true');
    s.textContent = u.symbol;
    b.appendChild(s);
    b.appendChild(document.createTextNode(' ' + u.label));
    return b;
  }
  function silencedFlag() {
    var b = document.createElement('span');
    b.className = 'badge state-bad';
    b.setAttribute('data-flag', 'silenced');
    b.title = 'Logging of this context is silenced or incomplete: changes may go unnoticed until it is fixed';
    var s = document.createElement('span');
    s.setAttribute('aria-hidden', 'true');
    s.textContent = '\\ud83d\\udd07';
    b.appendChild(s);
    b.appendChild(document.createTextNode(' logging silenced'));
    return b;
  }
  function syncNodes(u) {
    var frag = document.createDocumentFragment();
    frag.appendChild(badge(u));
    if (u.silenced) { frag.appendChild(document.createTextNode(' ')); frag.appendChild(silencedFlag()); }
    return frag;
  }
  function gridCell(cell, u) {
    var a = document.createElement('a');
    a.className = 'cell badge state-' + u.tone + (u.silenced ? ' silenced' : '');
    a.href = '/contexts/' + encodeURIComponent(u.device) + '/' + encodeURIComponent(u.context);
    a.setAttribute('data-state', u.sync);
    a.title = u.context + ' on ' + u.device + ': ' + u.label + (u.silenced ? ', logging silenced' : '') + '. ' + u.help;
    var s = document.createElement('span');
    s.setAttribute('aria-hidden', 'true');
    s.textContent = u.symbol;
    a.appendChild(s);
    a.appendChild(document.createTextNode(' ' + u.label));
    if (u.silenced) {
      var f = document.createElement('span');
      f.setAttribute('data-flag', 'silenced');
      var icon = document.createElement('span');
      icon.setAttribute('aria-hidden', 'true');
      icon.textContent = '\\ud83d\\udd07';
      var words = document.createElement('span');
      words.className = 'sr-only';
      words.textContent = 'logging silenced';
      f.appendChild(icon);
      f.appendChild(words);
      a.appendChild(document.createTextNode(' '));
      a.appendChild(f);
    }
    while (cell.firstChild) cell.removeChild(cell.firstChild);
    cell.appendChild(a);
  }
  function withOutcome(iso, short, outcome) {
    var frag = timeNodes(iso, short);
    if (iso && outcome) {
      var o = document.createElement('span');
      o.className = 'outcome';
      o.textContent = outcome;
      frag.appendChild(document.createTextNode(' '));
      frag.appendChild(o);
    }
    return frag;
  }
  // The page's wording for a failed audit (views/layout.ts auditCell); the failure kind comes
  // from the server's render, so a cell already showing this attempt is left as it is.
  function auditNodes(u) {
    if (!u.lastAudit || u.lastAuditOutcome !== 'error') return withOutcome(u.lastAudit, u.lastAuditShort, u.lastAuditOutcome);
    var s = document.createElement('span');
    s.setAttribute('data-audit', u.lastAuditNever ? 'never-ok' : 'failed');
    s.appendChild(document.createTextNode(u.lastAuditNever ? 'never audited successfully (last attempt: ' : 'last attempt failed: '));
    s.appendChild(timeNodes(u.lastAudit, u.lastAuditShort));
    s.appendChild(document.createTextNode(', '));
    var o = document.createElement('span');
    o.className = 'outcome';
    o.textContent = 'error';
    s.appendChild(o);
    if (u.lastAuditNever) s.appendChild(document.createTextNode(')'));
    return s;
  }
  function sameAttempt(row, u) {
    var t = row.querySelector('[data-field="audit"] [data-audit] time');
    return !!t && u.lastAuditOutcome === 'error' && t.getAttribute('datetime') === u.lastAudit;
  }
  function apply(u, announce) {
    var rows = rowsFor(u.device, u.context);
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if (row.getAttribute('data-field') === 'grid') gridCell(row, u);
      fill(row, 'sync', syncNodes(u));
      fill(row, 'since', timeNodes(u.since, u.sinceShort));
      var reason = document.createElement('span');
      reason.className = 'reason';
      reason.textContent = u.reason;
      fill(row, 'reason', reason);
      if (!sameAttempt(row, u)) fill(row, 'audit', auditNodes(u));
      fill(row, 'upload', withOutcome(u.lastUpload, u.lastUploadShort, u.lastUploadOutcome));
      row.setAttribute('data-sync', u.sync);
      if (announce) {
        row.classList.remove('changed');
        void row.offsetWidth;
        row.classList.add('changed');
      }
    }
    if (announce && rows.length) setStatus('open', 'Live: ' + u.context + ' on ' + u.device + ' is now ' + u.label);
  }
  function counts(c) {
    for (var k in c) {
      var els = document.querySelectorAll('[data-count="' + k + '"]');
      for (var i = 0; i < els.length; i++) els[i].textContent = String(c[k]);
    }
  }
  if (!window.EventSource) { setStatus('error', 'Live updates: not supported by this browser; reload to refresh'); return; }
  var es = new EventSource('/api/v1/stream');
  es.onopen = function () { setStatus('open', 'Live updates: on'); };
  es.onerror = function () { setStatus('error', 'Live updates: reconnecting…'); };
  es.addEventListener('snapshot', function (ev) {
    try {
      var s = JSON.parse(ev.data);
      for (var i = 0; i < s.contexts.length; i++) apply(s.contexts[i], false);
      if (s.counts) counts(s.counts);
    } catch (e) { /* a bad message is ignored */ }
  });
  es.addEventListener('context', function (ev) {
    try { apply(JSON.parse(ev.data), true); } catch (e) { /* ignored */ }
  });
  es.addEventListener('summary', function (ev) {
    try { var s = JSON.parse(ev.data); if (s.counts) counts(s.counts); if (typeof s.alertsFiring === 'number') counts({ 'alerts-firing': s.alertsFiring }); } catch (e) { /* ignored */ }
  });
  setInterval(refreshTimes, 30000);
})();
`;
