#!/usr/bin/env node
// Browser test of the producers' dashboard: the real electd binary, Debian's chromium driven by
// playwright-core, and the 2024 night replayed into it.
//
//   ELECTD_BIN=build/cli/electd node tests/browser/dashboard.test.mjs     (or the binary as argv[2])
//
// Environment: ELECTD_BIN, ELECTD_ARTIFACTS (where the screenshots go; default: <build>/artifacts
// beside the binary's build tree, else the temp dir), CHROMIUM (default /usr/bin/chromium).
// Exit code 0 when every check passes, 1 with the reason otherwise.
//
// What it does: starts `electd serve` on port 0 with a new database, opens the dashboard,
// replays the first 200 declarations, restarts electd on the same port (the dashboard must show
// it reconnecting and then resume on its own), replays the rest with --fast, and checks the
// ticker, the totals, the map and the seat drill-down (Derby North, "Lab gain from Con"); then
// restarts electd with reads behind a token and opens the dashboard as /?token=....

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const DERBY_NORTH = 'E14001193';
const FIRST_PART = 200;                // declarations before the restart
const OVERALL_TIMEOUT_MS = 270_000;    // ctest allows 300 s
const STEP_TIMEOUT_MS = 90_000;

// --- small helpers --------------------------------------------------------------------------

const t0 = Date.now();
const children = new Set(); // killed by the watchdog if everything else hangs
const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s]`, ...a);

class TestFailure extends Error {}
function check(cond, message) {
  if (!cond) throw new TestFailure(message);
}

function resolveBinary() {
  const bin = process.env.ELECTD_BIN || process.argv[2];
  if (!bin) throw new TestFailure('set ELECTD_BIN (or pass the electd binary as the first argument)');
  const abs = path.resolve(bin);
  try {
    fs.accessSync(abs, fs.constants.X_OK);
  } catch {
    throw new TestFailure(`electd binary not found or not executable: ${abs}`);
  }
  return abs;
}

function artifactsDir(bin) {
  if (process.env.ELECTD_ARTIFACTS) return path.resolve(process.env.ELECTD_ARTIFACTS);
  // build/cli/electd -> build/artifacts, when the binary sits in a CMake build tree.
  const build = path.dirname(path.dirname(bin));
  if (fs.existsSync(path.join(build, 'CMakeCache.txt'))) return path.join(build, 'artifacts');
  return path.join(os.tmpdir(), 'electd-artifacts');
}

// One running `electd serve`: its output kept for the failure report.
class Daemon {
  constructor(bin, db, listen, extra = []) {
    this.bin = bin;
    this.db = db;
    this.listen = listen;
    this.extra = extra;
    this.output = [];
    this.proc = null;
    this.port = null;
  }

  async start() {
    const level = this.extra.includes('--log-level') ? [] : ['--log-level', 'info'];
    this.proc = spawn(this.bin, ['serve', '--listen', this.listen, '--db', this.db, ...level, ...this.extra],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(this.proc);
    this.exited = once(this.proc, 'exit');
    const listening = new Promise((resolve, reject) => {
      let buffered = '';
      const onData = (chunk) => {
        const text = chunk.toString();
        this.output.push(text);
        buffered += text;
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(buffered);
        if (m) resolve(Number(m[1]));
      };
      this.proc.stderr.on('data', onData);
      this.proc.stdout.on('data', (c) => this.output.push(c.toString()));
      this.proc.on('exit', (code, sig) => reject(new TestFailure(`electd serve exited before listening (code ${code}, signal ${sig})`)));
      this.proc.on('error', (e) => reject(new TestFailure(`cannot start electd: ${e.message}`)));
    });
    this.port = await withTimeout(listening, 30_000, 'electd serve did not print "listening on http://127.0.0.1:PORT" within 30 s');
    return this.port;
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(15_000, false, { ref: false })]);
    if (!done) {
      this.proc.kill('SIGKILL');
      await this.exited;
      throw new TestFailure('electd did not stop within 15 s of SIGTERM');
    }
  }

  tail(lines = 30) {
    return this.output.join('').split('\n').slice(-lines).join('\n');
  }
}

async function withTimeout(promise, ms, message) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new TestFailure(message)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

function runReplay(bin, port, extra) {
  const args = ['replay', '--url', `http://127.0.0.1:${port}`, '--fast', '--quiet', ...extra];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  const out = [];
  proc.stdout.on('data', (c) => out.push(c.toString()));
  proc.stderr.on('data', (c) => out.push(c.toString()));
  const failed = new Promise((_, reject) => proc.on('error', (e) => reject(new TestFailure(`cannot run electd replay: ${e.message}`))));
  const exited = once(proc, 'exit').then(([code, sig]) => {
    if (code !== 0) throw new TestFailure(`electd ${args.join(' ')} failed (code ${code}, signal ${sig}):\n${out.join('').slice(-2000)}`);
    return out.join('');
  });
  const done = Promise.race([exited, failed]);
  done.catch(() => {}); // observed by the caller; never an unhandled rejection
  return { proc, done };
}

async function api(port, p) {
  const res = await fetch(`http://127.0.0.1:${port}${p}`);
  if (!res.ok) throw new TestFailure(`GET ${p}: HTTP ${res.status}`);
  return res.json();
}

// --- the test -------------------------------------------------------------------------------

async function main() {
  const bin = resolveBinary();
  const artifacts = artifactsDir(bin);
  fs.mkdirSync(artifacts, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'electd-browser-'));
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  check(fs.existsSync(executablePath), `chromium not found at ${executablePath} (apt-get install chromium, or scripts/install-deps)`);

  let daemon = new Daemon(bin, path.join(tmp, 'electd.db'), '127.0.0.1:0');
  let context = null;
  let page = null;
  let replay = null;
  const pageErrors = [];
  const consoleErrors = [];
  let expectNetworkErrors = false;

  const cleanup = async () => {
    if (replay && replay.proc.exitCode === null) replay.proc.kill('SIGTERM');
    if (context) await context.close().catch(() => {});
    await daemon.stop().catch((e) => console.error(e.message));
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  try {
    const port = await daemon.start();
    const base = `http://127.0.0.1:${port}`;
    log(`electd serving at ${base} (db ${daemon.db})`);

    context = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1920, height: 1080 },
      deviceScaleFactor: 1,
      timeout: 60_000,
    });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // While electd restarts, the browser logs the dropped stream and refused connections.
      if (expectNetworkErrors && /net::|EventSource|Failed to load resource|fetch/i.test(m.text())) return;
      consoleErrors.push(m.text());
    });
    log(`chromium ${context.browser()?.version() ?? ''} launched`);

    // 1. The empty night: 650 grey hexagons, nothing declared, the stream live.
    await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#conn[data-state="live"]');
    const hexes = await page.locator('#map path.hex[data-ons]').count();
    check(hexes === 650, `the map has ${hexes} seats, expected 650`);
    check(await page.locator('#map path.hex.awaiting').count() === 650, 'before the replay every seat should be awaiting');
    check((await page.textContent('#declared-count')).trim() === '0', 'declared count should start at 0');
    check(await page.locator('#watch li[data-ons]').count() === 10, 'the seats-to-watch board should list 10 seats');
    log('dashboard loaded: 650 awaiting seats, stream live');

    // 2. The first part of the night, live.
    const critical = page.waitForSelector('#critical-banner[data-state="active"]', { timeout: 200_000 }).then(() => true, () => false);
    replay = runReplay(bin, port, ['--limit', String(FIRST_PART)]);
    await page.waitForFunction(() => Number(document.querySelector('#declared-count')?.textContent) > 0);
    const early = Number(await page.textContent('#declared-count'));
    log(`first declarations on screen (declared ${early})`);
    await page.waitForSelector('#alerts li[data-seq]');
    await withTimeout(replay.done, STEP_TIMEOUT_MS, `replay of the first ${FIRST_PART} declarations did not finish`);
    await page.waitForSelector(`#totals[data-declared="${FIRST_PART}"]`);
    const mid = Number(await page.textContent('#declared-count'));
    check(mid > early || early === FIRST_PART, `declared count did not increase (${early} -> ${mid})`);
    check(mid === FIRST_PART, `declared count shows ${mid}, expected ${FIRST_PART}`);
    const firstAlerts = await api(port, '/v1/alerts?limit=1');
    await page.waitForSelector(`#alerts li[data-seq="${firstAlerts.last_seq}"]`);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-midnight.png'), animations: 'disabled' });
    log(`${FIRST_PART} declared, ${firstAlerts.last_seq} alerts; screenshot dashboard-midnight.png`);

    // 3. electd restarts on the same port: the dashboard must notice, then resume by itself.
    expectNetworkErrors = true;
    await daemon.stop();
    await page.waitForSelector('#conn:is([data-state="reconnecting"], [data-state="offline"])', { timeout: 30_000 });
    log(`electd stopped; indicator: ${await page.getAttribute('#conn', 'data-state')}`);
    daemon = new Daemon(bin, daemon.db, `127.0.0.1:${port}`);
    for (let attempt = 1; ; attempt++) {
      try {
        await daemon.start();
        break;
      } catch (e) {
        if (attempt >= 5) throw e;
        await sleep(500 * attempt); // the port may take a moment to free
        daemon = new Daemon(bin, daemon.db, `127.0.0.1:${port}`);
      }
    }
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 30_000 });
    expectNetworkErrors = false;
    log('electd restarted; dashboard live again');

    // 4. The rest of the night, as fast as electd takes it.
    replay = runReplay(bin, port, []);
    await withTimeout(replay.done, 180_000, 'the full replay did not finish within 180 s');
    log('replay finished');
    await page.waitForSelector('#totals[data-declared="650"]', { timeout: 60_000 });
    check((await page.textContent('#declared-count')).trim() === '650', 'the header should show 650 declared');
    const totals = (await api(port, '/v1/totals')).totals;
    const lab = totals.parties.find((p) => p.party === 'Lab');
    await page.waitForFunction((n) => document.querySelector('#party-rows tr[data-party="Lab"] td.seats')?.textContent === String(n), lab.seats);
    const labSeats = Number(await page.textContent('#party-rows tr[data-party="Lab"] td.seats'));
    check(labSeats > 0 && labSeats === lab.seats, `Labour's seats on screen: ${labSeats}, API: ${lab.seats}`);
    // The projection is re-read after declarations: once all are in, it is the result.
    await page.waitForFunction((n) => document.querySelector('#party-rows tr[data-party="Lab"] td.corrected')?.textContent === String(n), lab.seats);
    const labSeg = await page.getAttribute('#seats-bar .seg[data-party="Lab"]', 'data-seats');
    check(Number(labSeg) === lab.seats, `the seats bar gives Labour ${labSeg}, expected ${lab.seats}`);
    log(`totals: 650 declared, Labour ${labSeats}`);

    // The map: every seat coloured by its winner, gains outlined.
    await page.waitForFunction(() => document.querySelectorAll('#map path.hex.declared').length === 650);
    const derby = await page.$eval(`#map path.hex[data-ons="${DERBY_NORTH}"]`, (e) => ({ fill: getComputedStyle(e).fill, winner: e.dataset.winner }));
    check(derby.winner === 'Lab' && derby.fill === 'rgb(228, 0, 59)', `Derby North should be Labour red on the map, got ${JSON.stringify(derby)}`);
    check(await page.locator(`#map .gain-mark[data-ons="${DERBY_NORTH}"]`).count() === 1, 'Derby North should be marked as a gain');
    const gains = totals.parties.reduce((a, p) => a + p.gains, 0);
    const marks = await page.locator('#map .gain-mark').count();
    check(marks === gains, `the map marks ${marks} gains, the totals count ${gains}`);
    const awaitingGrey = await page.locator('#map path.hex.awaiting').count();
    check(awaitingGrey === 0, `${awaitingGrey} seats still grey after the whole night`);
    log(`map: 650 coloured, ${marks} gains outlined`);

    // The ticker: newest first, no gaps across the restart, severities marked.
    const last = (await api(port, '/v1/alerts?limit=1')).last_seq;
    await page.waitForSelector(`#alerts li[data-seq="${last}"]`);
    const seqs = await page.$$eval('#alerts li[data-seq]', (lis) => lis.map((li) => Number(li.dataset.seq)));
    check(seqs.length > 0, 'no alerts in the ticker');
    check(seqs[0] === last, `newest alert shown is ${seqs[0]}, expected ${last}`);
    const gap = seqs.findIndex((s, i) => i > 0 && s !== seqs[i - 1] - 1);
    check(gap < 0, `the ticker is not newest-first without gaps near position ${gap}: ${seqs.slice(Math.max(0, gap - 2), gap + 2)}`);
    const sevs = await page.$$eval('#alerts li[data-severity]', (lis) => [...new Set(lis.map((li) => li.dataset.severity))]);
    check(sevs.length >= 3, `expected several severities in the ticker, got ${sevs}`);
    check(await critical, 'no critical alert reached the banner during the replay');
    log(`ticker: ${seqs.length} alerts, newest ${last}, severities ${sevs.join(', ')}; critical banner shown`);

    // The watch board: Derby North is a seat to watch.
    await page.waitForFunction((ons) => document.querySelector(`#watch li[data-ons="${ons}"]`)?.textContent.includes('Lab gain from Con'), DERBY_NORTH);
    check(await page.locator('#watch li[data-status="awaiting"]').count() === 0, 'every seat to watch should show its result');

    await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), animations: 'disabled' });
    log('screenshot dashboard.png');

    // 5. The drill-down: click Derby North on the map.
    await page.click(`#map path.hex[data-ons="${DERBY_NORTH}"]`);
    await page.waitForSelector(`#seat-panel:not([hidden]) #seat-body[data-ons="${DERBY_NORTH}"]`);
    const verdict = (await page.textContent('#seat-verdict')).trim();
    check(verdict.includes('Lab gain from Con'), `the seat panel says "${verdict}", expected "Lab gain from Con"`);
    const panel = await page.textContent('#seat-panel');
    for (const want of ['Derby North', 'Catherine Atkinson', '18,619', '8,915', '57.2%', 'Amanda Solloway', 'Exit poll favourite', 'Notional 2019 baseline']) {
      check(panel.includes(want), `the seat panel lacks "${want}"`);
    }
    await page.screenshot({ path: path.join(artifacts, 'dashboard-seat.png') });
    await page.keyboard.press('Escape');
    await page.waitForSelector('#seat-panel', { state: 'hidden' });
    log('drill-down: Derby North, Lab gain from Con, majority 8,915; screenshot dashboard-seat.png');

    // 6. Reads behind a token: the dashboard opened as /?token=... authenticates its reads and
    // its event stream; the same reads without the token are refused.
    expectNetworkErrors = true;
    await daemon.stop();
    const config = path.join(tmp, 'tokens.toml');
    const sha = createHash('sha256').update('dashboard-secret').digest('hex');
    fs.writeFileSync(config, `[[tokens]]\nname = "dashboard"\nrole = "read"\nsha256 = "${sha}"\n`);
    daemon = new Daemon(bin, daemon.db, '127.0.0.1:0', ['--config', config, '--log-level', 'debug']);
    const guarded = await daemon.start();
    const refused = await fetch(`http://127.0.0.1:${guarded}/v1/totals`);
    check(refused.status === 401, `without a token /v1/totals should be 401, got ${refused.status}`);
    await page.goto(`http://127.0.0.1:${guarded}/?token=dashboard-secret`, { waitUntil: 'domcontentloaded' });
    expectNetworkErrors = false;
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#conn[data-state="live"]');
    await page.waitForSelector('#totals[data-declared="650"]');
    check(daemon.output.join('').includes('token=dashboard'), 'electd did not log the dashboard token\'s reads');
    check(!daemon.output.join('').includes('dashboard-secret'), 'the token itself reached electd\'s log');
    log('with reads behind a token: /?token=... loads the night and goes live; no token, 401');

    check(pageErrors.length === 0, `uncaught errors in the page:\n  ${pageErrors.join('\n  ')}`);
    check(consoleErrors.length === 0, `errors in the browser console:\n  ${consoleErrors.join('\n  ')}`);
    await cleanup();
    log(`PASS (screenshots in ${artifacts})`);
    return 0;
  } catch (e) {
    console.error(`\nFAIL: ${e instanceof TestFailure ? e.message : e.stack || e}`);
    if (page) {
      const shot = path.join(artifacts, 'dashboard-failure.png');
      await page.screenshot({ path: shot, timeout: 10_000 }).then(() => console.error(`screenshot: ${shot}`), () => {});
      const conn = await page.getAttribute('#conn', 'data-state', { timeout: 2000 }).catch(() => '?');
      console.error(`connection indicator: ${conn}`);
    }
    if (pageErrors.length) console.error(`page errors:\n  ${pageErrors.join('\n  ')}`);
    if (consoleErrors.length) console.error(`console errors:\n  ${consoleErrors.join('\n  ')}`);
    console.error(`electd output (last lines):\n${daemon.tail()}`);
    await cleanup();
    return 1;
  }
}

function killChildren() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { console.error(`FAIL: interrupted by ${sig}`); killChildren(); process.exit(1); });
}
process.on('uncaughtException', (e) => { console.error(`FAIL: ${e.stack || e}`); killChildren(); process.exit(1); });

const watchdog = setTimeout(() => {
  console.error(`FAIL: the test took longer than ${OVERALL_TIMEOUT_MS / 1000} s`);
  killChildren();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
watchdog.unref();

process.exitCode = await main().catch((e) => {
  console.error(`FAIL: ${e instanceof TestFailure ? e.message : e.stack || e}`);
  return 1;
});
clearTimeout(watchdog);
