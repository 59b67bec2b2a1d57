// check_webmap.mjs: the browser half of tests/check_webmap.sh. Opens the maps that script
// wrote (DIR/map.html, map-ar.html, map-air.html) in headless Chromium and checks what a
// reader sees against the GeoJSON export of the same database (DIR/incidents.geojson).
// Must never compare against a reference image: pixels are checked for meaning only.
// Usage: node check_webmap.mjs DIR N STYLE.INI
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { launch, openMap, drawn } from './browser.mjs';

const [dir, nArg, stylePath] = process.argv.slice(2);
const N = +nArg;
const geojson = JSON.parse(readFileSync(`${dir}/incidents.geojson`, 'utf8')).features;
const features = geojson.map((f) => f.properties);
// country-level incidents have no geometry (the page lists them, draws none)
const geometry = geojson.map((f) => (f.geometry ? f.geometry.coordinates : [NaN, NaN]));
let failures = 0;
function check(ok, what, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? ': ' + detail : ''}`);
  if (!ok) failures++;
}
const dayOf = (iso) => Math.round(Date.parse(iso.length === 4 ? iso + '-01-01' : iso.length === 7 ? iso + '-01' : iso) / 864e5);
// date_start (the "date" column is written at its precision) and date_end as days.
const span = (p) => [dayOf(p.date), dayOf(p.date_end)];

// The colour of one screen pixel: a 1x1 PNG's only scanline is the pixel whatever the filter.
async function pixel(page, x, y) {
  const png = await page.screenshot({ clip: { x: Math.round(x), y: Math.round(y), width: 1, height: 1 } });
  let off = 8, data = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off), type = png.toString('ascii', off + 4, off + 8);
    if (type === 'IDAT') data.push(png.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(data));
  return [raw[1], raw[2], raw[3]];
}
const hexRgb = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
const near = (a, b, tol = 40) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

async function setSlider(page, day) {
  await page.evaluate((d) => {
    const s = document.getElementById('bm-slider');
    s.value = d;
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }, day);
}

const { browser, close } = await launch();
try {
  // ---- English page ----------------------------------------------------------------
  const { page, log } = await openMap(browser, `${dir}/map.html`);
  check(log.errors.length === 0, 'no console or page error', log.errors.join(' | '));
  check(log.requests.length === 0, 'no network request', log.requests.join(' '));
  let d = await drawn(page);
  check(d.total === N && d.shown === N, 'drawn points + clusters + areas + side panel = exported',
        JSON.stringify(d) + ` vs ${N}`);
  check(d.panel >= 1, 'country-level incidents are listed in the side panel', `${d.panel}`);
  const nCountry = features.filter((p) => p.place_id === 'iraq' || p.place_id === 'syria').length;
  check(d.panel === nCountry, 'the panel lists exactly the country-level incidents', `${d.panel} vs ${nCountry}`);
  check(d.areas >= 1 && await page.$$eval('path[fill^="url(#bm-hatch-"]', (e) => e.length) >= 1,
        'imprecise incidents are hatched areas with counts', `${d.areas}`);
  const pins3 = await page.evaluate(() => {
    const I = JSON.parse(document.getElementById('bm-data').textContent).inc;
    return I.gp.filter((g, i) => g === 3 && I.a[i] === -1).length;
  });
  check(pins3 === 0, 'no geo-precision 3 incident is a pin');

  // Legend: top right of the map, white panel, one checkbox per type present, counts.
  const box = await page.evaluate(() => {
    const r = (id) => document.getElementById(id).getBoundingClientRect().toJSON();
    return { map: r('bm-map'), legend: r('bm-legend') };
  });
  const L = box.legend, M = box.map;
  check(L.right <= M.right && M.right - L.right < 40 && L.top - M.top < 40 && L.left > M.left + M.width / 2,
        'the legend sits in the top-right corner of the map', JSON.stringify(L));
  check(near(await pixel(page, L.right - 4, L.bottom - 4), [255, 255, 255], 12), 'the legend panel is white');
  const types = [...new Set(features.map((p) => p.type))];
  const legendTypes = await page.$$eval('#bm-legend input[data-type]', (e) => e.map((x) => x.dataset.type));
  check(types.every((t) => legendTypes.includes(t)), 'the legend lists every type present', legendTypes.join(','));

  // A known incident: a symbol drawn on its own sits where an exported incident of its type
  // lies, and its centre pixel has that type's colour in maps/style.ini (not the page's own
  // table).
  const style = {};
  let section = null;
  for (const line of readFileSync(stylePath, 'utf8').split('\n')) {
    const m = line.match(/^\[type\.(\w+)\]/), c = line.match(/^colour\s*=\s*(#[0-9A-Fa-f]{6})/);
    if (m) section = m[1]; else if (/^\[/.test(line)) section = null;
    if (section && c) style[section] = c[1];
  }
  const sym = await page.evaluate((feats) => {
    const map = window.bordermap.map, box = document.getElementById('bm-map').getBoundingClientRect();
    for (const e of document.querySelectorAll('.leaflet-marker-pane .bm-inc')) {
      const key = [...e.classList].find((c) => c.startsWith('bm-t-')).slice(5);
      const r = e.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
      const hit = feats.find((f) => {
        if (f.type !== key) return false;
        const p = map.latLngToContainerPoint([f.lat, f.lon]);
        return Math.abs(p.x + box.left - x) < 2 && Math.abs(p.y + box.top - y) < 2;
      });
      if (hit) return { key, id: hit.id, x, y };
    }
    return null;
  }, features.map((p, k) => ({ type: p.type, id: p.id, lon: geometry[k][0], lat: geometry[k][1] }))
    .filter((f) => Number.isFinite(f.lon)));
  check(sym !== null, 'a single symbol sits on an exported incident of its type', JSON.stringify(sym));
  if (sym) {
    const px = await pixel(page, sym.x, sym.y);
    check(near(px, hexRgb(style[sym.key])), `incident ${sym.id} (${sym.key}) is drawn in ${style[sym.key]}`, px.join(','));
  }

  // Slider: the start of the range shows the incidents begun by then.
  const days = features.map(span);
  const first = Math.min(...days.map((s) => s[0]));
  await setSlider(page, first);
  d = await drawn(page);
  const atFirst = days.filter((s) => s[0] <= first).length;
  check(d.total === atFirst && d.total < N, 'slider at the first day shows only what had begun', `${d.total} vs ${atFirst}`);
  // Windowed by month: the incidents overlapping one month.
  await page.select('#bm-mode', 'window');
  await page.select('#bm-step', 'month');
  const mid = features.find((p) => p.date.startsWith('2024-12'));
  const m0 = dayOf('2024-12-01'), m1 = dayOf('2024-12-31');
  await setSlider(page, m1);
  d = await drawn(page);
  const inDec = days.filter((s) => s[1] >= m0 && s[0] <= m1).length;
  check(mid && d.total === inDec && d.total < N, 'a month window shows the incidents of that month', `${d.total} vs ${inDec}`);
  const label = await page.$eval('#bm-date', (e) => e.textContent);
  check(label === 'December 2024', 'the date label names the month', label);
  await page.select('#bm-mode', 'cumulative');
  await page.focus('#bm-slider');
  await page.keyboard.press('End');
  d = await drawn(page);
  check(d.total === N, 'End on the slider shows everything again', `${d.total}`);

  // Play starts over from the first step and moves on by itself; pause stops it.
  await page.click('#bm-play');
  await new Promise((r) => setTimeout(r, 200));
  const playing = await drawn(page), label1 = await page.$eval('#bm-date', (e) => e.textContent);
  await new Promise((r) => setTimeout(r, 2000));
  const label2 = await page.$eval('#bm-date', (e) => e.textContent);
  await page.click('#bm-play');
  const paused = await page.$eval('#bm-play', (e) => e.getAttribute('aria-pressed'));
  const label3 = await page.$eval('#bm-date', (e) => e.textContent);
  await new Promise((r) => setTimeout(r, 1200));
  check(playing.total < N && label1 !== label2 && paused === 'false' &&
        label3 === await page.$eval('#bm-date', (e) => e.textContent),
        'play starts over and advances, pause stops', `${playing.total}: ${label1} -> ${label2}`);
  // The week step brings weekly bars to the timeline.
  const bars = async () => page.$$eval('#bm-timeline-svg rect[fill^="#"]', (e) => new Set(e.map((r) => r.getAttribute('x'))).size);
  const monthly = await bars();
  await page.select('#bm-step', 'week');
  const weekly = await bars();
  check(weekly > monthly, 'the timeline has weekly bars for the week step', `${monthly} -> ${weekly}`);
  await page.select('#bm-step', 'month');
  await page.focus('#bm-slider');
  await page.keyboard.press('End');

  // Unticking a type removes exactly its incidents, and the legend keeps its count.
  const nAir = features.filter((p) => p.type === 'airstrike').length;
  await page.click('#bm-legend input[data-type="airstrike"]');
  d = await drawn(page);
  check(d.total === N - nAir, 'unticking airstrike hides its incidents', `${d.total} vs ${N - nAir}`);
  const airCount = await page.$eval('#bm-legend .bm-count[data-type="airstrike"]', (e) => +e.textContent);
  check(airCount === nAir, 'the legend still counts the hidden type', `${airCount}`);
  await page.click('#bm-legend input[data-type="airstrike"]');
  d = await drawn(page);
  check(d.total === N, 'ticking it again restores them', `${d.total}`);

  // Search by place, in English and in Arabic.
  const q = features.find((p) => p.place_name_en === 'Damascus');
  const nDam = features.filter((p) => p.place_name_en === 'Damascus').length;
  for (const text of [q.place_name_en.toLowerCase().slice(0, 6), q.place_name_ar]) {
    await page.$eval('#bm-search', (e) => { e.value = ''; });
    await page.type('#bm-search', text);
    d = await drawn(page);
    check(d.total === nDam, `searching '${text}' shows the Damascus incidents`, `${d.total} vs ${nDam}`);
  }
  await page.$eval('#bm-search', (e) => { e.value = ''; e.dispatchEvent(new Event('input')); });

  // A popup with the source link, date precision and the sentence.
  await page.$eval('.leaflet-marker-pane .bm-inc', (e) => e.dispatchEvent(new MouseEvent('click', { bubbles: true })));
  await page.waitForSelector('.leaflet-popup .bm-pop', { timeout: 5000 });
  const pop = await page.$eval('.leaflet-popup .bm-pop', (e) => ({
    href: e.querySelector('a.bm-source-link')?.href, text: e.textContent, quote: !!e.querySelector('blockquote') }));
  check(/^https:\/\/example\.org\/news\//.test(pop.href || ''), 'the popup links the source', pop.href);
  check(/Outlet \d\d/.test(pop.text) && /\((day|week|month|year)\)/.test(pop.text) && pop.quote,
        'the popup names the outlet, the date precision and quotes the sentence');
  // An area's popup lists its incidents.
  await page.$eval('.bm-area-count', (e) => e.dispatchEvent(new MouseEvent('click', { bubbles: true })));
  await page.waitForSelector('.leaflet-popup .bm-area-pop', { timeout: 5000 });
  check(true, 'an area opens a popup listing its incidents');
  await page.screenshot({ path: `${dir}/map-en.png` });
  check(log.errors.length === 0 && log.requests.length === 0, 'still no error and no request after interaction',
        log.errors.concat(log.requests).join(' | '));
  await page.close();

  // ---- Arabic page: mirrored, Arabic text, same counts ----------------------------------
  const ar = await openMap(browser, `${dir}/map-ar.html`);
  check(ar.log.errors.length === 0 && ar.log.requests.length === 0, 'Arabic page: no error, no request',
        ar.log.errors.concat(ar.log.requests).join(' | '));
  d = await drawn(ar.page);
  check(d.total === N, 'Arabic page: drawn + listed = exported', `${d.total}`);
  const arBox = await ar.page.evaluate(() => ({
    dir: document.documentElement.dir,
    title: document.getElementById('bm-title').textContent,
    legend: document.getElementById('bm-legend').getBoundingClientRect().toJSON(),
    map: document.getElementById('bm-map').getBoundingClientRect().toJSON(),
    side: document.getElementById('bm-side').getBoundingClientRect().toJSON(),
    label: document.querySelector('#bm-legend .bm-type-name').textContent,
  }));
  check(arBox.dir === 'rtl' && arBox.title === 'خريطة الاختبار', 'Arabic page: right to left, with the given title');
  check(arBox.legend.left - arBox.map.left < 40 && arBox.side.right <= arBox.map.left + 1,
        'Arabic page: legend top left, side panel on the left (mirrored)');
  check(/[\u0600-\u06FF]/.test(arBox.label), 'Arabic page: type names in Arabic', arBox.label);
  check(near(await pixel(ar.page, arBox.legend.left + 4, arBox.legend.bottom - 4), [255, 255, 255], 12),
        'Arabic page: the legend panel is white where it is drawn');
  await ar.page.screenshot({ path: `${dir}/map-ar.png` });
  await ar.page.close();

  // ---- A filtered export: the page holds only what the selection took --------------------
  const air = await openMap(browser, `${dir}/map-air.html`);
  const nSel = features.filter((p) => p.type === 'airstrike' && p.date.startsWith('2024-02')).length;
  d = await drawn(air.page);
  check(d.total === nSel && air.log.errors.length === 0, '--type/--from/--to select the page\'s incidents', `${d.total} vs ${nSel}`);
  await air.page.close();
} finally {
  await close();
}
if (failures) {
  console.error(`check_webmap.mjs: ${failures} check(s) failed (screenshots in ${dir})`);
  process.exit(1);
}
