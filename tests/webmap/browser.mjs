// browser.mjs: starts Debian's Chromium headless through puppeteer-core (web/node_modules; no
// browser is ever downloaded) and opens a bordermap web map with every network request
// blocked and recorded. Shared by check_webmap.mjs and bench/bench-webmap.mjs.
// Must never talk to anything but the local file it opens.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../web/package.json'));

export const CHROMIUM = process.env.BM_CHROMIUM || '/usr/bin/chromium';

export async function launch() {
  const puppeteer = require('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'bm-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--disable-dev-shm-usage', `--user-data-dir=${profile}`],
  });
  const close = async () => { await browser.close(); rmSync(profile, { recursive: true, force: true }); };
  return { browser, close };
}

// Opens file in a new page of the given size. Returns the page and what it logged: console
// errors, page errors and every request other than the file itself (all of them aborted).
export async function openMap(browser, file, width = 1280, height = 860) {
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  const log = { errors: [], requests: [] };
  const url = pathToFileURL(resolve(file)).href;
  page.on('console', (m) => { if (m.type() === 'error') log.errors.push(m.text()); });
  page.on('pageerror', (e) => log.errors.push(String(e)));
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    if (r.url() === url) return r.continue();
    log.requests.push(r.url());
    return r.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
  try {
    await page.waitForFunction(() => window.bordermap !== undefined, { timeout: 30000 });
  } catch (e) {
    throw new Error(`${file}: the map did not start: ${log.errors.join(' | ') || e.message}`);
  }
  return { page, log };
}

// What the map draws, read from the DOM: single incident symbols, cluster counts, area
// counts, and the side panel's country-level count.
export async function drawn(page) {
  return page.evaluate(() => {
    const sum = (sel) => [...document.querySelectorAll(sel)].reduce((s, e) => s + +e.dataset.count, 0);
    const points = document.querySelectorAll('.leaflet-marker-pane .bm-inc').length;
    const clusters = sum('.leaflet-marker-pane .bm-cluster');
    const areas = sum('.bm-area-count');
    const panel = +document.getElementById('bm-country-count').dataset.count;
    return { points, clusters, areas, panel, total: points + clusters + areas + panel,
             shown: window.bordermap.shown() };
  });
}
