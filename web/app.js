// electd producers' dashboard. Plain ES module, no dependencies, works offline.
//
// Data flow: a few reads at start (the hex map, the seat list, the exit poll, the models),
// then one EventSource on /v1/events. Each event is applied to the state and marks what it
// changed as dirty; one flush per animation frame redraws only that. EventSource reconnects by
// itself and resends Last-Event-ID; electd answers with a fresh snapshot and the alerts after it.

const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
const MAX_ALERTS = 300;           // ticker items kept in the DOM
const BACKFILL = 150;             // alerts fetched for the ticker on a fresh connection
const PROJECTION_REFRESH_MS = 2500;
const STALE_MS = 40000;           // no message (not even a heartbeat) for this long: reconnect
const SOUND_GAP_MS = 1500;

const ALERT_LABELS = {
  gain: 'Gain', hold: 'Hold', exit_poll_upset: 'Upset', projection_miss: 'Model miss',
  watchlist: 'Watch', bellwether: 'Bellwether', target: 'Target', notable_defeat: 'Defeat',
  first_seat: 'First seat', majority: 'Majority', correction: 'Correction', retraction: 'Retraction',
  record: 'Record', milestone: 'Milestone', exit_poll: 'Exit poll',
};

// Used until the server has told us a party's colour (totals and the exit poll carry them).
const FALLBACK_COLOURS = {
  Lab: '#E4003B', Con: '#0087DC', LD: '#FAA61A', SNP: '#FDF38E', RUK: '#12B6CF', Green: '#02A95B',
  PC: '#005B54', SF: '#326760', DUP: '#D46A4C', SDLP: '#2AA82C', APNI: '#F6CB2F', UUP: '#48A5EE',
  Ind: '#AAAAAA', Spk: '#909090',
};

const $ = (sel, root = document) => root.querySelector(sel);
const fmt = new Intl.NumberFormat('en-GB');
const num = (n) => (n == null ? '–' : fmt.format(n));
const pct = (n, d = 1) => (n == null ? '–' : `${Number(n).toFixed(d)}%`);
const signed = (n, d = 1) => (n == null ? '–' : `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(Number(n)).toFixed(d)}`);
const signedInt = (n) => (n == null ? '–' : n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '0');
const hhmm = (iso) => (typeof iso === 'string' && iso.length >= 16 ? iso.slice(11, 16) : '');

function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'style') e.style.cssText = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'title' || k === 'role' || k === 'tabindex' || k === 'type')
      e.setAttribute(k, v === true ? '' : v);
    else e[k] = v;
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

// Where reads need a token, open the dashboard as /?token=READ_TOKEN. EventSource cannot send
// headers, so the stream takes it as ?access_token= (electd redacts it from its logs).
const TOKEN = new URLSearchParams(location.search).get('token');
function withToken(path) {
  return TOKEN ? `${path}${path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(TOKEN)}` : path;
}

async function getJSON(path) {
  const headers = { Accept: 'application/json' };
  if (TOKEN) headers.Authorization = `Bearer ${TOKEN}`;
  const res = await fetch(path, { headers, cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

// --- state -------------------------------------------------------------------------------

const state = {
  seats: new Map(),       // ons -> seat
  parties: new Map(),     // code -> {code, name, colour}
  totals: null,
  exitPoll: null,         // GET /v1/exit-poll
  models: new Map(),      // name -> {title, headline}
  watch: [],              // ons codes, in board order
  alerts: [],             // newest first, at most MAX_ALERTS
  alertSeqs: new Set(),
  alertBySeq: new Map(),
  retracted: new Set(),
  maxAlertSeq: 0,
  snapshotSeq: 0,
  lastDeclaration: null,  // {at, name}
  openSeat: null,
  openSeatToken: 0,
};

function partyColour(code) {
  return state.parties.get(code)?.colour || FALLBACK_COLOURS[code] || '#8a8f98';
}
function partyName(code) {
  return state.parties.get(code)?.name || code;
}
function learnParty(p) {
  const code = p.party || p.code;
  if (!code) return;
  const known = state.parties.get(code) || { code };
  if (p.name) known.name = p.name;
  if (p.colour) known.colour = p.colour;
  state.parties.set(code, known);
}
// Black or white text, whichever reads better on the party colour.
function inkFor(colour) {
  const m = /^#?([0-9a-f]{6})$/i.exec(colour || '');
  if (!m) return '#fff';
  const v = parseInt(m[1], 16);
  const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const L = 0.2126 * lin((v >> 16) & 255) + 0.7152 * lin((v >> 8) & 255) + 0.0722 * lin(v & 255);
  return L > 0.35 ? '#0b0f17' : '#ffffff';
}
function chip(code, extra = '') {
  const c = partyColour(code);
  return `<span class="chip ${extra}" style="--c:${esc(c)};--ink:${inkFor(c)}" title="${esc(partyName(code))}">${esc(code)}</span>`;
}

// --- rendering queue: one flush per frame, whatever arrived ----------------------------------

const dirty = { seats: new Set(), totals: false, projection: false, alerts: [], header: false, watch: false };
let flushQueued = false;
function requestFlush() {
  if (flushQueued) return;
  flushQueued = true;
  // rAF pauses in a hidden tab; the timeout keeps a background dashboard current anyway.
  const timer = setTimeout(flush, 250);
  requestAnimationFrame(() => { clearTimeout(timer); flush(); });
}
function flush() {
  if (!flushQueued) return;
  flushQueued = false;
  if (dirty.seats.size) {
    for (const ons of dirty.seats) renderSeat(ons);
    dirty.seats.clear();
  }
  if (dirty.watch) { renderWatchCount(); dirty.watch = false; }
  if (dirty.totals) { renderTotals(); dirty.totals = false; dirty.projection = false; }
  else if (dirty.projection) { renderProjection(); dirty.projection = false; }
  if (dirty.alerts.length) { renderAlerts(dirty.alerts); dirty.alerts = []; }
  if (dirty.header) { renderHeader(); dirty.header = false; }
}

// --- connection indicator -----------------------------------------------------------------

function setConn(stateName, detail) {
  const c = $('#conn');
  const labels = { connecting: 'Connecting', live: 'Live', reconnecting: 'Reconnecting', offline: 'Offline', stale: 'No data' };
  c.dataset.state = stateName;
  $('.label', c).textContent = labels[stateName] || stateName;
  c.title = detail || '';
}

// --- the map -------------------------------------------------------------------------------

const HEX_R = 1 / Math.sqrt(3); // pointy-top hexagon with width 1
const ROW_H = 1.5 * HEX_R;      // 0.866
let mapGroups = null;
let hoveredHex = null; // the hexagon under the pointer, whose tooltip follows its seat's updates

function hexCentre(q, r) {
  // odd-r offset: odd rows shifted right by half a hexagon; r grows northwards, so flip y.
  return [q + ((r & 1) ? 0.5 : 0), -r * ROW_H];
}
function hexCorners(cx, cy, scale = 1) {
  const s = HEX_R * scale, w = 0.5 * scale;
  // clockwise from the top: top, upper right, lower right, bottom, lower left, upper left
  return [[cx, cy - s], [cx + w, cy - s / 2], [cx + w, cy + s / 2], [cx, cy + s], [cx - w, cy + s / 2], [cx - w, cy - s / 2]];
}
const pathOf = (pts) => 'M' + pts.map(([x, y]) => `${x.toFixed(3)},${y.toFixed(3)}`).join('L') + 'Z';

function buildMap(hexjson) {
  const map = $('#map');
  map.replaceChildren();
  const hexes = Object.entries(hexjson.hexes || {});
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  const gHex = svg('g', { class: 'hexes' });
  const gEdges = svg('g', { class: 'boundaries' });
  const gGain = svg('g', { class: 'gains' });
  const gSel = svg('g', { class: 'selection' });
  const cells = new Map();
  for (const [ons, h] of hexes) {
    const [cx, cy] = hexCentre(h.q, h.r);
    minX = Math.min(minX, cx - 0.5); maxX = Math.max(maxX, cx + 0.5);
    minY = Math.min(minY, cy - HEX_R); maxY = Math.max(maxY, cy + HEX_R);
    const d = pathOf(hexCorners(cx, cy, 0.94));
    const p = svg('path', { d, class: 'hex awaiting', 'data-ons': ons, tabindex: '-1' });
    gHex.append(p);
    cells.set(`${h.q},${h.r}`, { cx, cy });
    const seat = ensureSeat(ons, { name: h.n });
    seat.hex = p;
    seat.hexPath = d;
  }
  // Region and nation boundaries (HexJSON boundaries extension; edges 1..6 clockwise from north-east).
  for (const [, b] of Object.entries(hexjson.boundaries || {})) {
    let d = '';
    for (const e of b.edges || []) {
      const cell = cells.get(`${e.q},${e.r}`);
      const [cx, cy] = cell ? [cell.cx, cell.cy] : hexCentre(e.q, e.r);
      const pts = hexCorners(cx, cy);
      const a = pts[(e.e - 1 + 6) % 6], z = pts[e.e % 6];
      d += `M${a[0].toFixed(3)},${a[1].toFixed(3)}L${z[0].toFixed(3)},${z[1].toFixed(3)}`;
    }
    if (d) gEdges.append(svg('path', { d, class: `edge ${b.type === 'country' ? 'country' : 'region'}` }));
  }
  const pad = 0.6;
  map.setAttribute('viewBox', `${(minX - pad).toFixed(2)} ${(minY - pad).toFixed(2)} ${(maxX - minX + 2 * pad).toFixed(2)} ${(maxY - minY + 2 * pad).toFixed(2)}`);
  map.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  map.append(gHex, gEdges, gGain, gSel);
  mapGroups = { gHex, gGain, gSel };

  const tip = $('#map-tooltip');
  const wrap = $('#map-wrap');
  const unhover = () => { tip.hidden = true; if (hoveredHex) hoveredHex.classList.remove('hover'); hoveredHex = null; };
  map.addEventListener('pointermove', (ev) => {
    const t = ev.target.closest?.('.hex');
    if (!t) { unhover(); return; }
    if (t !== hoveredHex) {
      if (hoveredHex) hoveredHex.classList.remove('hover');
      hoveredHex = t;
      t.classList.add('hover');
      tip.innerHTML = tooltipHTML(state.seats.get(t.dataset.ons));
    }
    tip.hidden = false;
    // Client coordinates are in screen pixels; the page may be CSS-zoomed on a big screen.
    const box = wrap.getBoundingClientRect();
    const z = box.width / (wrap.offsetWidth || box.width) || 1;
    const mx = (ev.clientX - box.left) / z, my = (ev.clientY - box.top) / z;
    const bw = wrap.offsetWidth, bh = wrap.offsetHeight;
    let x = mx + 14, y = my + 14;
    const tw = tip.offsetWidth, th = tip.offsetHeight;
    if (x + tw > bw - 4) x = mx - tw - 14;
    if (y + th > bh - 4) y = my - th - 14;
    tip.style.transform = `translate(${Math.max(4, x)}px, ${Math.max(4, y)}px)`;
  });
  map.addEventListener('pointerleave', unhover);
  map.addEventListener('click', (ev) => {
    const t = ev.target.closest?.('.hex');
    if (t) openSeat(t.dataset.ons);
  });
}

function tooltipHTML(seat) {
  if (!seat) return '';
  const r = seat.result;
  let line;
  if (!r) line = '<span class="muted">Awaiting declaration</span>';
  else line = `${chip(r.winner)} ${esc(r.text)}${r.kind === 'rush' ? ' <span class="tag">provisional</span>' : ''}`;
  const maj = r && r.majority != null && r.kind !== 'rush' ? `<div class="muted">Majority ${num(r.majority)} · turnout ${pct(r.turnout)}</div>` : '';
  return `<div class="tip-name">${esc(seat.name)}</div><div class="tip-region muted">${esc(seat.region || '')}</div><div>${line}</div>${maj}`;
}

function renderSeat(ons) {
  const seat = state.seats.get(ons);
  if (!seat) return;
  const r = seat.result;
  const p = seat.hex;
  if (p) {
    p.classList.toggle('awaiting', !r);
    p.classList.toggle('declared', !!r);
    p.classList.toggle('gain', !!r?.gain);
    p.classList.toggle('provisional', r?.kind === 'rush');
    p.style.fill = r ? partyColour(r.winner) : '';
    p.dataset.status = seat.status;
    if (r) p.dataset.winner = r.winner; else delete p.dataset.winner;
    if (seat.fresh) {
      p.classList.remove('fresh');
      requestAnimationFrame(() => p.classList.add('fresh'));
      seat.fresh = false;
    }
    // Gains get an outline drawn above every hexagon so neighbours do not cover it.
    if (r?.gain && !seat.gainMark && mapGroups) {
      seat.gainMark = svg('path', { d: seat.hexPath, class: 'gain-mark', 'data-ons': ons });
      mapGroups.gGain.append(seat.gainMark);
    } else if (!r?.gain && seat.gainMark) {
      seat.gainMark.remove();
      seat.gainMark = null;
    }
  }
  if (seat.watchEl) renderWatchItem(seat);
  if (hoveredHex && hoveredHex === p) $('#map-tooltip').innerHTML = tooltipHTML(seat);
  if (state.openSeat === ons) refreshOpenSeat();
}

function renderLegend() {
  const list = $('#legend');
  const t = state.totals;
  const parties = (t?.parties || []).filter((p) => p.seats > 0);
  const items = parties.map((p) => el('li', { 'data-party': p.party },
    el('span', { class: 'swatch', style: `background:${partyColour(p.party)}` }), `${p.party} ${p.seats}`));
  items.push(el('li', { class: 'legend-awaiting' }, el('span', { class: 'swatch awaiting' }), `Awaiting ${t ? t.total_seats - t.declared : ''}`));
  items.push(el('li', { class: 'legend-gain' }, el('span', { class: 'swatch gain' }), 'Gain'));
  list.replaceChildren(...items);
}

// --- seats ---------------------------------------------------------------------------------

function ensureSeat(ons, info = {}) {
  let s = state.seats.get(ons);
  if (!s) {
    s = { ons, name: ons, region: '', status: 'awaiting', revision: null, result: null, watch: false, note: null };
    state.seats.set(ons, s);
  }
  for (const [k, v] of Object.entries(info)) if (v != null) s[k] = v;
  return s;
}

function applyResult(msg, { fresh = true } = {}) {
  const seat = ensureSeat(msg.constituency, { name: msg.name });
  const before = seat.result;
  seat.status = msg.status || (msg.result ? 'declared' : 'awaiting');
  seat.revision = msg.revision;
  seat.result = msg.result || null;
  if (fresh && seat.result && (!before || before.revision !== msg.revision)) seat.fresh = true;
  dirty.seats.add(seat.ons);
  if (seat.watch) dirty.watch = true;
  requestFlush();
}

// --- totals, projection and the bars --------------------------------------------------------

function applyTotals(totals) {
  state.totals = totals;
  for (const p of totals.parties || []) learnParty(p);
  dirty.totals = true;
  dirty.header = true;
  requestFlush();
  scheduleProjectionRefresh(totals.declared);
}

// The projection is not pushed on the stream: re-read /v1/exit-poll after declarations arrive,
// at once after a quiet spell and then at most once per PROJECTION_REFRESH_MS while busy.
const projection = { timer: null, inFlight: false, lastAt: 0, haveFor: -1, wantFor: -1 };
function scheduleProjectionRefresh(declared) {
  projection.wantFor = declared;
  if (projection.timer || projection.inFlight || projection.wantFor === projection.haveFor) return;
  const wait = Math.max(0, projection.lastAt + PROJECTION_REFRESH_MS - Date.now());
  projection.timer = setTimeout(refreshProjection, wait);
}
async function refreshProjection() {
  projection.timer = null;
  projection.inFlight = true;
  projection.lastAt = Date.now();
  const target = projection.wantFor;
  try {
    const ep = await getJSON('/v1/exit-poll');
    for (const p of ep.projected_seats || []) learnParty(p);
    state.exitPoll = ep;
    projection.haveFor = target;
    dirty.projection = true;
    requestFlush();
  } catch (e) {
    console.warn('exit poll refresh failed', e);
  } finally {
    projection.inFlight = false;
    if (projection.wantFor !== projection.haveFor) scheduleProjectionRefresh(projection.wantFor);
  }
}

function projectionByParty() {
  const m = new Map();
  for (const p of state.exitPoll?.projected_seats || []) m.set(p.party, p);
  return m;
}

// One order for all three bars and the table: the bigger of seats won, projected and exit poll.
function partyOrder() {
  const weight = new Map();
  const bump = (code, v) => weight.set(code, Math.max(weight.get(code) || 0, v || 0));
  for (const p of state.totals?.parties || []) bump(p.party, p.seats);
  for (const p of state.exitPoll?.projected_seats || []) { bump(p.party, p.corrected); bump(p.party, p.national); }
  return [...weight.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c);
}

function renderBar(bar, values, total, { awaiting = 0, restLabel = 'Awaiting', labelMin = 3.2 } = {}) {
  const segs = $('.segs', bar);
  const wanted = values.filter((v) => v.n > 0);
  const existing = new Map([...segs.children].map((c) => [c.dataset.party, c]));
  const ordered = [];
  for (const v of wanted) {
    let s = existing.get(v.code);
    if (!s) s = el('div', { class: 'seg', 'data-party': v.code }, el('span', { class: 'seg-label' }));
    existing.delete(v.code);
    const w = (100 * v.n) / total;
    const shown = Math.round(v.n);
    const c = partyColour(v.code);
    s.style.width = `${w}%`;
    s.style.background = c;
    s.style.color = inkFor(c);
    s.dataset.seats = shown;
    s.title = `${v.code === 'Oth' ? 'Others' : partyName(v.code)}: ${shown}`;
    $('.seg-label', s).textContent = w >= labelMin ? (w >= labelMin * 2 ? `${v.code} ${shown}` : `${shown}`) : '';
    ordered.push(s);
  }
  if (awaiting > 0) {
    let s = existing.get('_awaiting');
    if (!s) s = el('div', { class: 'seg awaiting', 'data-party': '_awaiting' }, el('span', { class: 'seg-label' }));
    existing.delete('_awaiting');
    s.style.width = `${(100 * awaiting) / total}%`;
    s.title = `${restLabel}: ${awaiting}`;
    ordered.push(s);
  }
  for (const s of existing.values()) s.remove();
  // Re-append only if the order changed (keeps CSS width transitions smooth).
  const same = ordered.length === segs.children.length && ordered.every((s, i) => segs.children[i] === s);
  if (!same) segs.replaceChildren(...ordered);
}

function renderTotals() {
  const t = state.totals;
  if (!t) return;
  const root = $('#totals');
  root.dataset.declared = t.declared;
  const total = t.total_seats || 650;
  const majority = t.majority_line || Math.floor(total / 2) + 1;
  const majPct = `${(100 * (majority - 0.5)) / total}%`;
  for (const m of document.querySelectorAll('.bar .maj')) m.style.left = majPct;
  const lab = $('#majority-label');
  lab.style.left = majPct;
  lab.textContent = `${majority} for a majority`;
  const order = partyOrder();
  const seatsBy = new Map((t.parties || []).map((p) => [p.party, p]));
  renderBar($('#seats-bar'), order.map((code) => ({ code, n: seatsBy.get(code)?.seats || 0 })), total,
    { awaiting: total - t.declared });
  $('#bar-declared-sub').textContent = `${t.declared} of ${total}`;
  renderProjection();
  renderLegend();
}

function renderProjection() {
  const t = state.totals;
  const total = t?.total_seats || 650;
  const order = partyOrder();
  const proj = projectionByParty();
  if (proj.size) {
    renderBar($('#projection-bar'), order.map((code) => ({ code, n: proj.get(code)?.corrected || 0 })), total);
    const natTotal = [...proj.values()].reduce((a, p) => a + (p.national || 0), 0);
    renderBar($('#exit-poll-bar'), order.map((code) => ({ code, n: proj.get(code)?.national || 0 })), total,
      { awaiting: Math.max(0, total - natTotal), restLabel: 'No national figure (Northern Ireland, Speaker)' });
  }
  renderPartyTable(order, proj);
  renderScoreboard();
}

function renderPartyTable(order, proj) {
  const t = state.totals;
  const seatsBy = new Map((t?.parties || []).map((p) => [p.party, p]));
  const majority = t?.majority_line || 326;
  // The exit poll's "Oth" (everyone else) belongs with the others, not among the parties.
  const rows = order.filter((c) => c !== 'Oth' && ((seatsBy.get(c)?.seats || 0) > 0 || (proj.get(c)?.corrected || 0) >= 0.5 || (proj.get(c)?.national || 0) > 0));
  const SHOW = 9;
  const shown = rows.slice(0, SHOW);
  const rest = rows.slice(SHOW);
  if (proj.has('Oth') || seatsBy.has('Oth')) rest.push('Oth');
  const body = $('#party-rows');
  const existing = new Map([...body.children].map((r) => [r.dataset.party, r]));
  const out = [];
  const line = (code, label, colour, v) => {
    let tr = existing.get(code);
    if (!tr) {
      tr = el('tr', { 'data-party': code });
      tr.innerHTML = '<td class="party"><span class="swatch"></span><span class="pname"></span></td>' +
        '<td class="seats"></td><td class="net"></td><td class="share"></td><td class="change"></td>' +
        '<td class="proj projected"></td><td class="proj corrected"></td><td class="proj national"></td>';
    }
    existing.delete(code);
    $('.swatch', tr).style.background = colour;
    const pname = $('.pname', tr);
    pname.textContent = label;
    pname.title = code === '_others' ? rest.join(', ') : partyName(code);
    const set = (cls, text, mods = {}) => {
      const td = $(`td.${cls}`, tr);
      if (td.textContent !== text) {
        const was = td.textContent;
        td.textContent = text;
        if (cls === 'seats' && was !== '') { td.classList.remove('bump'); void td.offsetWidth; td.classList.add('bump'); }
      }
      for (const [m, on] of Object.entries(mods)) td.classList.toggle(m, !!on);
    };
    const dash = (x, f = String) => (x == null ? '–' : f(x));
    set('seats', String(v.seats));
    set('net', signedInt(v.net), { pos: v.net > 0, neg: v.net < 0 });
    set('share', dash(v.share, (x) => x.toFixed(1)));
    set('change', dash(v.change, (x) => signed(x)), { pos: v.change > 0, neg: v.change < 0 });
    set('projected', dash(v.projected, (x) => String(Math.round(x))));
    set('corrected', dash(v.corrected, (x) => String(Math.round(x))), { over: Math.round(v.corrected) >= majority });
    set('national', dash(v.national), { over: v.national >= majority });
    tr.classList.toggle('majority', v.seats >= majority);
    out.push(tr);
  };
  for (const code of shown) {
    const s = seatsBy.get(code), p = proj.get(code);
    line(code, code, partyColour(code), {
      seats: s?.seats || 0, net: s?.net ?? 0, share: s?.share ?? null, change: s?.share_change ?? null,
      projected: p?.projected ?? null, corrected: p?.corrected ?? null, national: p?.national ?? null,
    });
  }
  if (rest.length) {
    const sum = (f) => rest.reduce((a, c) => a + (f(c) || 0), 0);
    line('_others', 'Others', '#6b7280', {
      seats: sum((c) => seatsBy.get(c)?.seats), net: sum((c) => seatsBy.get(c)?.net),
      share: sum((c) => seatsBy.get(c)?.share), change: null,
      projected: sum((c) => proj.get(c)?.projected), corrected: sum((c) => proj.get(c)?.corrected),
      national: sum((c) => proj.get(c)?.national) || null,
    });
  }
  for (const r of existing.values()) r.remove();
  const same = out.length === body.children.length && out.every((r, i) => body.children[i] === r);
  if (!same) body.replaceChildren(...out);
}

function renderScoreboard() {
  const ep = state.exitPoll;
  const box = $('#scoreboard');
  if (!ep?.scoreboard) { box.textContent = ''; return; }
  const sb = ep.scoreboard;
  const rate = sb.called ? `${Math.round(100 * sb.right / sb.called)}%` : '–';
  box.innerHTML = `exit poll called <strong>${num(sb.right)}</strong> of ${num(sb.called)} right <span class="pill">${rate}</span>`;
}

// --- header --------------------------------------------------------------------------------

function renderHeader() {
  const t = state.totals;
  if (t) {
    $('#declared').dataset.declared = t.declared;
    $('#declared-count').textContent = t.declared;
    $('#total-seats').textContent = t.total_seats;
  }
  const last = state.lastDeclaration;
  if (last) {
    $('#last-at').textContent = last.at || '--:--';
    $('#last-seat').textContent = `latest: ${last.name}${last.text ? `, ${last.text}` : ''}`;
  }
}

// --- alerts --------------------------------------------------------------------------------

function applyAlert(a, { live = false } = {}) {
  if (!a || a.seq == null || state.alertSeqs.has(a.seq)) return;
  state.alertSeqs.add(a.seq);
  state.maxAlertSeq = Math.max(state.maxAlertSeq, a.seq);
  if (a.retracts != null) state.retracted.add(a.retracts);
  // The night clock: the latest declaration's own time, from its gain/hold alert.
  if ((a.type === 'gain' || a.type === 'hold') && a.seq > (state.lastDeclaration?.seq || 0)) {
    state.lastDeclaration = { seq: a.seq, at: hhmm(a.at), name: a.data?.name || '', text: a.data?.result || '' };
    dirty.header = true;
  }
  dirty.alerts.push(a);
  if (a.severity === 'critical') {
    showCriticalBanner(a, { live });
    if (live) playChime();
  }
  requestFlush();
}

function alertItem(a) {
  const li = el('li', {
    class: `alert sev-${a.severity}`, 'data-seq': a.seq, 'data-severity': a.severity, 'data-type': a.type,
    'data-ons': a.constituency || null, tabindex: a.constituency ? '0' : null,
  });
  const chips = (a.parties || []).map((p) => chip(p, 'small')).join('');
  li.innerHTML =
    `<div class="a-meta"><span class="a-time">${esc(hhmm(a.at))}</span>` +
    `<span class="a-sev">${esc(a.severity)}</span><span class="a-type">${esc(ALERT_LABELS[a.type] || a.type)}</span>${chips}</div>` +
    `<div class="a-text">${esc(a.text)}</div>`;
  if (state.retracted.has(a.seq)) li.classList.add('retracted');
  return li;
}

function renderAlerts(batch) {
  const list = $('#alerts');
  batch.sort((a, b) => b.seq - a.seq);
  // Most arrive newer than everything shown: prepend them as one block.
  const top = state.alerts[0]?.seq ?? 0;
  const newer = batch.filter((a) => a.seq > top);
  const older = batch.filter((a) => a.seq <= top);
  if (newer.length) {
    const frag = document.createDocumentFragment();
    for (const a of newer) {
      const li = alertItem(a);
      if (state.alerts.length) li.classList.add('new');
      frag.append(li);
      state.alertBySeq.set(a.seq, li);
    }
    list.prepend(frag);
    state.alerts = newer.concat(state.alerts);
  }
  for (const a of older) {
    // History filled in later (a backfill): put each in its place.
    let i = state.alerts.findIndex((x) => x.seq < a.seq);
    if (i < 0) i = state.alerts.length;
    if (i >= MAX_ALERTS) continue;
    const li = alertItem(a);
    const before = state.alerts[i] ? state.alertBySeq.get(state.alerts[i].seq) : null;
    list.insertBefore(li, before || null);
    state.alerts.splice(i, 0, a);
    state.alertBySeq.set(a.seq, li);
  }
  while (state.alerts.length > MAX_ALERTS) {
    const gone = state.alerts.pop();
    state.alertBySeq.get(gone.seq)?.remove();
    state.alertBySeq.delete(gone.seq);
  }
  for (const seq of state.retracted) state.alertBySeq.get(seq)?.classList.add('retracted');
  $('#alerts-count').textContent = `${num(state.maxAlertSeq)} so far · newest first`;
}

// The strip under the header always holds the latest critical alert, so nothing jumps when one
// arrives: red and flashing for a minute after a live one, dim otherwise.
let bannerTimer = null;
function showCriticalBanner(a, { live }) {
  const b = $('#critical-banner');
  if (Number(b.dataset.seq || 0) > a.seq) return;
  $('.time', b).textContent = hhmm(a.at);
  $('.text', b).textContent = a.text;
  b.dataset.seq = a.seq;
  b.dataset.ons = a.constituency || '';
  if (!live) return;
  b.dataset.state = 'active';
  b.classList.remove('flash'); void b.offsetWidth; b.classList.add('flash');
  clearTimeout(bannerTimer);
  bannerTimer = setTimeout(() => { b.dataset.state = 'idle'; }, 60000);
}

function applySeverityFilter(min) {
  if (!SEVERITIES.includes(min)) min = 'info';
  $('#alerts').dataset.min = min;
  $('#min-severity').value = min;
  try { localStorage.setItem('electd.minSeverity', min); } catch { /* private mode */ }
}

// --- sound -----------------------------------------------------------------------------------

const sound = { ctx: null, muted: false, last: 0 };

function audioContext() {
  if (!sound.ctx) {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    try { sound.ctx = new AC(); } catch { return null; }
    sound.ctx.onstatechange = renderMute;
  }
  return sound.ctx;
}

// Browsers keep audio suspended until the page has had a user gesture: any click or key will do.
function unlockAudio() {
  if (sound.muted) return;
  const ctx = audioContext();
  if (ctx && ctx.state === 'suspended') ctx.resume().then(renderMute, () => {});
}

function playChime() {
  if (sound.muted) return;
  const now = performance.now();
  if (now - sound.last < SOUND_GAP_MS) return;
  sound.last = now;
  const ctx = audioContext();
  if (!ctx || ctx.state !== 'running') { renderMute(); return; }
  // Two short bell-like tones, synthesised: nothing to download, nothing to decode.
  const t0 = ctx.currentTime;
  const out = ctx.createGain();
  out.gain.value = 0.28;
  out.connect(ctx.destination);
  for (const [f, at] of [[880, 0], [1318.5, 0.16], [1760, 0.32]]) {
    const o = ctx.createOscillator();
    const g = ctx.createGain();
    o.type = 'sine';
    o.frequency.value = f;
    g.gain.setValueAtTime(0.0001, t0 + at);
    g.gain.exponentialRampToValueAtTime(1, t0 + at + 0.015);
    g.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.5);
    o.connect(g).connect(out);
    o.start(t0 + at);
    o.stop(t0 + at + 0.55);
  }
}

function renderMute() {
  const b = $('#mute');
  const blocked = !sound.muted && (!sound.ctx || sound.ctx.state !== 'running');
  b.setAttribute('aria-pressed', String(sound.muted));
  b.dataset.state = sound.muted ? 'muted' : blocked ? 'blocked' : 'on';
  $('.label', b).textContent = sound.muted ? 'Muted' : blocked ? 'Click to enable sound' : 'Sound on';
  b.title = sound.muted ? 'Critical alerts are silent. Click (or press M) to turn the sound on.'
    : blocked ? 'The browser holds sound until you click the page. Click here to allow it.'
      : 'A chime plays on critical alerts. Click (or press M) to mute.';
}

function toggleMute() {
  const blocked = !sound.muted && (!sound.ctx || sound.ctx.state !== 'running');
  if (blocked) {
    // The click itself is the gesture the browser waits for: use it to allow sound, and chime once.
    const ctx = audioContext();
    if (ctx) ctx.resume().then(() => { renderMute(); sound.last = 0; playChime(); }, () => {});
    renderMute();
    return;
  }
  sound.muted = !sound.muted;
  try { localStorage.setItem('electd.muted', sound.muted ? '1' : '0'); } catch { /* private mode */ }
  if (!sound.muted) unlockAudio();
  renderMute();
}

// --- seats to watch -------------------------------------------------------------------------

function buildWatch() {
  const list = $('#watch');
  const items = state.watch.map((ons) => {
    const seat = state.seats.get(ons);
    const li = el('li', { 'data-ons': ons, tabindex: '0', class: 'watch-item' });
    li.innerHTML = '<div class="w-main"><span class="w-name"></span><span class="w-result"></span></div><div class="w-note"></div>';
    seat.watchEl = li;
    renderWatchItem(seat);
    return li;
  });
  list.replaceChildren(...items);
  renderWatchCount();
}

function renderWatchItem(seat) {
  const li = seat.watchEl;
  const r = seat.result;
  li.dataset.status = r ? seat.status : 'awaiting';
  li.classList.toggle('gain', !!r?.gain);
  $('.w-name', li).textContent = seat.name;
  $('.w-result', li).innerHTML = r
    ? `${chip(r.winner)}<span class="w-text">${esc(r.text)}</span>${r.majority != null && r.kind !== 'rush' ? `<span class="w-maj">maj ${num(r.majority)}</span>` : ''}`
    : '<span class="w-awaiting">Awaiting</span>';
  li.style.setProperty('--c', r ? partyColour(r.winner) : 'transparent');
  const note = $('.w-note', li);
  note.textContent = seat.note || seat.region || '';
  note.title = seat.note || '';
}

function renderWatchCount() {
  const n = state.watch.filter((o) => state.seats.get(o)?.result).length;
  $('#watch-count').textContent = `${n} of ${state.watch.length} declared`;
}

async function loadWatchNotes() {
  await Promise.all(state.watch.map(async (ons) => {
    try {
      const d = await getJSON(`/v1/constituencies/${encodeURIComponent(ons)}`);
      const seat = state.seats.get(ons);
      seat.note = d.watch?.note || null;
      if (seat.watchEl) renderWatchItem(seat);
    } catch { /* the board still works without notes */ }
  }));
}

// --- seat drill-down -------------------------------------------------------------------------

function openSeat(ons) {
  if (!state.seats.has(ons)) return;
  state.openSeat = ons;
  const panel = $('#seat-panel');
  panel.hidden = false;
  panel.dataset.ons = ons;
  document.body.classList.add('seat-open');
  markSelected(ons);
  $('#seat-close').focus({ preventScroll: true });
  const seat = state.seats.get(ons);
  if (!$('#seat-body').dataset.ons || $('#seat-body').dataset.ons !== ons)
    $('#seat-body').innerHTML = `<div class="seat-loading"><h2 id="seat-name">${esc(seat.name)}</h2><p class="muted">Loading…</p></div>`;
  refreshOpenSeat();
}

function closeSeat() {
  state.openSeat = null;
  state.openSeatToken++;
  $('#seat-panel').hidden = true;
  delete $('#seat-panel').dataset.ons;
  $('#seat-body').dataset.ons = '';
  document.body.classList.remove('seat-open');
  markSelected(null);
}

function markSelected(ons) {
  if (!mapGroups) return;
  mapGroups.gSel.replaceChildren();
  const seat = ons && state.seats.get(ons);
  if (seat?.hexPath) mapGroups.gSel.append(svg('path', { d: seat.hexPath, class: 'selected-mark' }));
}

async function refreshOpenSeat() {
  const ons = state.openSeat;
  if (!ons) return;
  const token = ++state.openSeatToken;
  try {
    const d = await getJSON(`/v1/constituencies/${encodeURIComponent(ons)}`);
    if (token !== state.openSeatToken || state.openSeat !== ons) return;
    const body = $('#seat-body');
    const panel = $('#seat-panel');
    const sameSeat = body.dataset.ons === ons;
    const scroll = panel.scrollTop;
    body.innerHTML = seatHTML(d);
    body.dataset.ons = ons;
    body.dataset.status = d.status;
    panel.scrollTop = sameSeat ? scroll : 0;
  } catch (e) {
    if (token !== state.openSeatToken) return;
    $('#seat-body').innerHTML = `<h2 id="seat-name">${esc(state.seats.get(ons)?.name || ons)}</h2><p class="error">Could not load the seat: ${esc(e.message)}</p>`;
  }
}

function seatHTML(d) {
  const c = d.constituency || {};
  const r = d.result;
  const cmp = d.comparison;
  const base = d.baseline;
  const parts = [];
  const status = d.status || 'awaiting';
  parts.push(`<header class="seat-head">
    <div class="seat-title"><h2 id="seat-name">${esc(c.name)}</h2>
      <span class="status status-${esc(status)}">${esc(status)}${d.revisions?.length > 1 ? ` · rev ${d.revisions.length}` : ''}</span></div>
    <div class="muted">${esc([c.region, c.nation].filter(Boolean).join(' · '))} · ${esc(c.ons_code)}${c.electorate ? ` · electorate ${num(c.electorate)}` : ''}</div>
  </header>`);

  if (r) {
    const wc = partyColour(r.winner);
    parts.push(`<div class="verdict ${r.gain ? 'is-gain' : 'is-hold'}" style="--c:${esc(wc)};--ink:${inkFor(wc)}" id="seat-verdict">
      <span class="verdict-text">${esc(r.text)}</span>${r.kind === 'rush' ? '<span class="tag">provisional</span>' : ''}
    </div>`);
    const sw = r.swing ? `${Number(r.swing.points).toFixed(1)}<small> pts</small>` : '–';
    const swSub = r.swing ? `${esc(r.swing.from)} → ${esc(r.swing.to)}` : '';
    parts.push(`<div class="kpis">
      <div class="kpi"><span class="k">Majority</span><span class="v">${num(r.majority)}</span><span class="s">${pct(r.majority_share)} over ${esc(r.runner_up || '–')}</span></div>
      <div class="kpi"><span class="k">Turnout</span><span class="v">${pct(r.turnout)}</span><span class="s">${num(r.valid_votes)} valid · ${num(r.invalid_votes)} rejected</span></div>
      <div class="kpi"><span class="k">Swing</span><span class="v">${sw}</span><span class="s">${swSub}</span></div>
      <div class="kpi"><span class="k">${r.gain ? 'Gain from' : 'Held'}</span><span class="v">${r.previous_winner ? chip(r.previous_winner, 'big') : '–'}</span><span class="s">notional 2019 winner</span></div>
    </div>`);
    const maxShare = Math.max(...(r.candidates || []).map((x) => x.share || 0), 1);
    parts.push(`<h3>Result</h3><table class="cands" id="seat-candidates">
      <thead><tr><th>Candidate</th><th>Party</th><th class="n">Votes</th><th class="bar-col">Share</th><th class="n">±</th></tr></thead><tbody>
      ${(r.candidates || []).map((x, i) => `<tr class="${i === 0 ? 'winner' : ''}">
        <td>${esc(x.name)}</td><td>${chip(x.party)}</td><td class="n">${num(x.votes)}</td>
        <td class="bar-col"><span class="sharebar" style="--w:${(100 * (x.share || 0)) / maxShare}%;--c:${esc(partyColour(x.party))}"></span><span class="n">${pct(x.share)}</span></td>
        <td class="n ${x.share_change > 0 ? 'pos' : x.share_change < 0 ? 'neg' : ''}">${x.share_change == null ? 'new' : signed(x.share_change)}</td></tr>`).join('')}
      </tbody></table>`);
  } else {
    parts.push(`<div class="verdict awaiting" id="seat-verdict"><span class="verdict-text">Awaiting declaration</span></div>`);
  }

  const notes = [];
  if (d.watch?.note) notes.push(`<div class="note watch-note"><span class="tag">Seat to watch</span> ${esc(d.watch.note)}</div>`);
  if (d.bellwether?.note) notes.push(`<div class="note"><span class="tag">Bellwether</span> ${esc(d.bellwether.note)}</div>`);
  if (notes.length) parts.push(notes.join(''));

  if (cmp) {
    const ep = cmp.exit_poll || {};
    const prob = ep.winner_probability;
    const probTxt = prob == null ? '–' : `${Math.round(prob * 100)}%`;
    const surprise = prob != null && prob < 0.5;
    parts.push(`<h3>Against the forecasts</h3><div class="forecast">
      <div class="kpi"><span class="k">Exit poll favourite</span><span class="v">${ep.favourite ? chip(ep.favourite, 'big') : '–'}</span></div>
      <div class="kpi ${surprise ? 'warn' : ''}"><span class="k">Chance it gave ${esc(r?.winner || 'the winner')}</span><span class="v">${probTxt}</span></div>
      ${cmp.target?.rank ? `<div class="kpi"><span class="k">${esc(r?.winner || '')} target list</span><span class="v">#${cmp.target.rank}</span><span class="s">needed ${Number(cmp.target.swing_needed).toFixed(1)}% swing</span></div>` : ''}
    </div>`);
    const models = cmp.models || [];
    if (models.length) {
      const right = models.filter((m) => m.hit).length;
      parts.push(`<table class="models" id="seat-models"><thead><tr><th>Model</th><th>Pick</th><th class="n">Called it</th><th class="n">Share error</th></tr></thead><tbody>
        ${models.map((m) => `<tr class="${m.hit ? 'hit' : 'miss'}"><td title="${esc(m.model)}">${esc(state.models.get(m.model)?.title || m.model)}</td>
          <td>${chip(m.pick)}</td><td class="n">${m.hit ? '<span class="ok">✓ right</span>' : '<span class="bad">✗ wrong</span>'}</td>
          <td class="n">${m.mean_abs_error == null ? '' : `${Number(m.mean_abs_error).toFixed(1)} pts`}</td></tr>`).join('')}
        </tbody></table><p class="muted small">${right} of ${models.length} models called it right.</p>`);
    }
  }

  if (base) {
    const maxB = Math.max(...(base.parties || []).map((p) => p.share || 0), 1);
    parts.push(`<h3>Notional 2019 baseline</h3><p class="muted small">${esc(base.name || '')}</p>
      <div class="baseline" id="seat-baseline"><div class="kpi"><span class="k">Notional winner</span><span class="v">${base.winner ? chip(base.winner, 'big') : '–'}</span>
      <span class="s">majority ${num(base.majority)} (${pct(base.majority_share)}) over ${esc(base.second || '–')}</span></div>
      <ul class="bshares">${(base.parties || []).map((p) => `<li><span class="bp">${esc(p.party)}</span><span class="sharebar" style="--w:${(100 * (p.share || 0)) / maxB}%;--c:${esc(partyColour(p.party))}"></span><span class="n">${pct(p.share)}</span></li>`).join('')}</ul></div>`);
  }

  if (d.targets?.length) {
    parts.push(`<h3>On the target lists</h3><ul class="targets">${d.targets.map((t) => `<li>${chip(t.party)} #${t.rank} <span class="muted">needs ${Number(t.swing_needed).toFixed(1)}% swing</span></li>`).join('')}</ul>`);
  }

  if (d.revisions?.length) {
    parts.push(`<h3>Revisions</h3><table class="revisions" id="seat-revisions"><thead><tr><th>Rev</th><th>Kind</th><th>Declared</th><th>Winner</th><th class="n">Valid votes</th><th>Received</th></tr></thead><tbody>
      ${d.revisions.map((v) => `<tr class="${v.current ? 'current' : 'superseded'}"><td>${v.revision}${v.current ? ' <span class="tag">current</span>' : ''}</td><td>${esc(v.kind)}</td>
      <td>${esc(hhmm(v.declared_at))}</td><td>${v.winner ? chip(v.winner) : '–'}</td><td class="n">${num(v.valid_votes)}</td><td class="muted">${esc((v.received_at || '').replace('T', ' ').slice(0, 19))}</td></tr>`).join('')}
      </tbody></table>`);
  }
  return parts.join('\n');
}

// --- the live stream -------------------------------------------------------------------------

let es = null;
let esSawId = false;    // this EventSource has seen an alert id, so its reconnects resume from it
let reconnectTimer = null;
let reconnectDelay = 1000;
let lastMessageAt = 0;

function connect() {
  clearTimeout(reconnectTimer);
  if (es) es.close();
  esSawId = false;
  const source = new EventSource(withToken('/v1/events'));
  es = source;
  setConn(state.snapshotSeq ? 'reconnecting' : 'connecting');
  const mine = (fn) => (ev) => { if (es === source) { lastMessageAt = Date.now(); fn(ev); } };
  source.onopen = mine(() => { reconnectDelay = 1000; setConn('live'); });
  source.onerror = (ev) => {
    // electd's own `event: error` (a closing notice) is a MessageEvent with data: not a transport error.
    if (es !== source || ev instanceof MessageEvent) return;
    if (source.readyState === EventSource.CLOSED) {
      // A refusal (e.g. 503) closes EventSource for good: try again ourselves, backing off.
      setConn('offline', 'The stream was refused or closed; retrying');
      reconnectTimer = setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 30000);
    } else {
      setConn('reconnecting', 'The stream dropped; the browser is reconnecting');
    }
  };
  source.addEventListener('snapshot', mine((ev) => onSnapshot(JSON.parse(ev.data))));
  source.addEventListener('result', mine((ev) => applyResult(JSON.parse(ev.data))));
  source.addEventListener('totals', mine((ev) => applyTotals(JSON.parse(ev.data).totals)));
  source.addEventListener('alert', mine((ev) => {
    if (ev.lastEventId) esSawId = true;
    const msg = JSON.parse(ev.data);
    applyAlert(msg.alert, { live: msg.alert.seq > state.snapshotSeq });
  }));
  source.addEventListener('heartbeat', mine(() => { if ($('#conn').dataset.state !== 'live') setConn('live'); }));
  source.addEventListener('error', (ev) => {
    if (es !== source || !(ev instanceof MessageEvent)) return;
    try { console.warn('electd stream:', JSON.parse(ev.data)); } catch { /* ignore */ }
  });
}

function onSnapshot(s) {
  setConn('live');
  // A daemon started afresh on a new database numbers its alerts from 1 again: start the ticker over.
  if ((s.seq || 0) < state.maxAlertSeq) resetAlerts();
  const firstSnapshot = state.snapshotSeq === 0 && state.maxAlertSeq === 0;
  state.snapshotSeq = s.seq || 0;
  const declared = new Set();
  for (const r of s.results || []) {
    declared.add(r.constituency);
    const seat = state.seats.get(r.constituency);
    // Only what changed while we were away.
    if (!seat || !seat.result || seat.revision !== r.revision || seat.status !== r.status) applyResult(r, { fresh: !firstSnapshot });
  }
  for (const seat of state.seats.values()) {
    if (seat.result && !declared.has(seat.ons)) {
      seat.result = null; seat.status = 'awaiting'; seat.revision = null;
      dirty.seats.add(seat.ons);
    }
  }
  if (s.totals) applyTotals(s.totals);
  requestFlush();
  // The stream resends missed alerts only after a Last-Event-ID; otherwise fill the ticker here.
  if (!esSawId && state.snapshotSeq > state.maxAlertSeq) backfillAlerts(state.snapshotSeq);
  document.body.dataset.ready = 'true';
}

function resetAlerts() {
  state.alerts = [];
  state.alertSeqs.clear();
  state.alertBySeq.clear();
  state.retracted.clear();
  state.maxAlertSeq = 0;
  state.lastDeclaration = null;
  dirty.alerts = [];
  $('#alerts').replaceChildren();
  const b = $('#critical-banner');
  b.dataset.state = 'idle';
  b.dataset.seq = '0';
  $('.time', b).textContent = '';
  $('.text', b).textContent = 'No critical alerts yet';
  esSawId = false; // what this stream resumes from no longer exists
}

async function backfillAlerts(upTo) {
  let since = Math.max(state.maxAlertSeq, upTo - BACKFILL, 0);
  try {
    while (since < upTo) {
      const page = await getJSON(`/v1/alerts?since=${since}&limit=${Math.min(1000, upTo - since)}`);
      for (const a of page.alerts || []) if (a.seq <= upTo) applyAlert(a, { live: false });
      if (!page.alerts?.length) break;
      since = page.alerts[page.alerts.length - 1].seq;
    }
  } catch (e) {
    console.warn('alert history failed', e);
  }
}

// A connection that says nothing for too long (not even a heartbeat) is dead: start again.
setInterval(() => {
  if (!es || !lastMessageAt) return;
  if (Date.now() - lastMessageAt > STALE_MS) {
    setConn('stale', 'No message from electd for a while; reconnecting');
    lastMessageAt = Date.now();
    connect();
  }
}, 5000);

// --- start -----------------------------------------------------------------------------------

async function loadStatic() {
  const [info, hexmap, seats, exitPoll, projections] = await Promise.all([
    getJSON('/v1').catch(() => null),
    getJSON('/v1/hexmap').catch(() => null),
    getJSON('/v1/constituencies'),
    getJSON('/v1/exit-poll').catch(() => null),
    getJSON('/v1/projections').catch(() => null),
  ]);
  if (info?.election) {
    $('#election-name').textContent = info.election;
    document.title = `${info.election} · electd`;
  }
  for (const c of seats.constituencies || []) {
    ensureSeat(c.ons_code, { name: c.name, region: c.region, nation: c.nation, watch: !!c.watch, pa: c.pa_number });
  }
  if (hexmap) buildMap(hexmap);
  else $('#map-wrap').innerHTML = '<p class="muted pad">No hex map is bundled for this election.</p>';
  if (exitPoll) {
    for (const p of exitPoll.projected_seats || []) learnParty(p);
    state.exitPoll = exitPoll;
  }
  for (const m of projections?.models || []) state.models.set(m.name, { title: m.title, headline: m.headline });
  state.watch = [...state.seats.values()].filter((s) => s.watch).sort((a, b) => a.name.localeCompare(b.name)).map((s) => s.ons);
  buildWatch();
  dirty.projection = true;
  requestFlush();
}

async function start() {
  try { sound.muted = localStorage.getItem('electd.muted') === '1'; } catch { /* private mode */ }
  let min = 'info';
  try { min = localStorage.getItem('electd.minSeverity') || 'info'; } catch { /* private mode */ }
  applySeverityFilter(min);
  audioContext();
  renderMute();
  for (const ev of ['pointerdown', 'keydown']) document.addEventListener(ev, unlockAudio, { passive: true });

  $('#mute').addEventListener('click', toggleMute);
  $('#min-severity').addEventListener('change', (e) => applySeverityFilter(e.target.value));
  $('#seat-close').addEventListener('click', closeSeat);
  $('#critical-banner .dismiss').addEventListener('click', () => { clearTimeout(bannerTimer); $('#critical-banner').dataset.state = 'idle'; });
  $('#critical-banner .text').addEventListener('click', () => { const o = $('#critical-banner').dataset.ons; if (o) openSeat(o); });
  const openFrom = (sel) => (ev) => {
    const li = ev.target.closest(sel);
    if (li?.dataset.ons && (ev.type === 'click' || ev.key === 'Enter')) openSeat(li.dataset.ons);
  };
  for (const [list, sel] of [['#alerts', 'li[data-ons]'], ['#watch', 'li[data-ons]']]) {
    $(list).addEventListener('click', openFrom(sel));
    $(list).addEventListener('keydown', openFrom(sel));
  }
  document.addEventListener('keydown', (ev) => {
    if (ev.target.closest?.('input, select, textarea')) return;
    if (ev.key === 'Escape' && state.openSeat) closeSeat();
    else if ((ev.key === 'm' || ev.key === 'M') && !ev.ctrlKey && !ev.metaKey && !ev.altKey) toggleMute();
  });

  for (let attempt = 0; ; attempt++) {
    try {
      await loadStatic();
      break;
    } catch (e) {
      setConn('offline', `Cannot reach electd: ${e.message}`);
      await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 15000)));
    }
  }
  connect();
  loadWatchNotes();
}

start();
