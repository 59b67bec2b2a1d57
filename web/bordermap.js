/* bordermap.js: the interactive map inside a `bordermap export -o map.html` page. Reads the
 * JSON block #bm-data (written by src/export_html.c) and draws it with Leaflet and
 * supercluster: the basemap, incidents by type colour and symbol (maps/style.ini),
 * imprecise ones as hatched areas, a legend with counts, a time slider and timeline, a place
 * search, popups with the sources, and a side panel of country-level incidents.
 * Must never load anything from the network nor draw a country-level incident on the map. */
(function () {
  'use strict';

  var D = JSON.parse(document.getElementById('bm-data').textContent);
  var LANG = D.meta.lang;            /* en, ar or both */
  var UI = LANG === 'ar' ? 'ar' : 'en';
  var RTL = UI === 'ar';
  var DAY_MS = 86400000;

  var STRINGS = {
    en: {
      legend: 'Incidents by type', areas: 'Imprecise place: area', areasNote: 'hatched, with its count',
      cluster: 'Several incidents', country: 'Country level', border: 'Iraq–Syria border',
      countryNote: 'Placed only at country level: listed here, never drawn on the map.',
      shown: 'Shown {n} of {N} incidents', search: 'Search places (English or Arabic)',
      play: '▶ Play', pause: '❚❚ Pause', prev: '◀', next: '▶', step: 'Step', mode: 'Show',
      day: 'day', week: 'week', month: 'month', cumulative: 'up to the date', window: 'one step',
      date: 'Date', type: 'Type', place: 'Place', geoprec: 'Geo-precision', fat: 'Fatalities',
      conf: 'Confidence', sources: 'Sources', notStated: 'not stated', noSource: 'no source recorded',
      gp: {1: 'point or town', 2: 'near a place, or part of a region', 3: 'region or governorate'},
      prec: {1: 'day', 2: 'week', 3: 'month', 4: 'year'}, weekOf: 'week of ', noPlace: 'no place',
      more: '… and {n} more', perBin: {week: 'per week', month: 'per month'}, timeline: 'Incidents',
      areaPop: '{n} incident(s) placed only at {name}', prevTitle: 'Previous step', nextTitle: 'Next step',
      summary: 'Summary', count: '{N} incidents', colocated: '{n} incidents at one place'
    },
    ar: {
      legend: 'الحوادث حسب النوع', areas: 'مكان غير دقيق: منطقة', areasNote: 'مظللة، مع عددها',
      cluster: 'عدة حوادث', country: 'على مستوى البلد', border: 'الحدود العراقية السورية',
      countryNote: 'حوادث لا يُعرف مكانها إلا على مستوى البلد: تُذكر هنا ولا تُرسم على الخريطة.',
      shown: 'المعروض {n} من {N} حادثة', search: 'ابحث عن مكان (بالعربية أو الإنجليزية)',
      play: '▶ تشغيل', pause: '❚❚ إيقاف', prev: '◀', next: '▶', step: 'الخطوة', mode: 'العرض',
      day: 'يوم', week: 'أسبوع', month: 'شهر', cumulative: 'حتى التاريخ', window: 'خطوة واحدة',
      date: 'التاريخ', type: 'النوع', place: 'المكان', geoprec: 'دقة الموقع', fat: 'القتلى',
      conf: 'الثقة', sources: 'المصادر', notStated: 'غير مذكور', noSource: 'لا مصدر مسجل',
      gp: {1: 'نقطة أو بلدة', 2: 'قرب مكان أو جزء من منطقة', 3: 'منطقة أو محافظة'},
      prec: {1: 'يوم', 2: 'أسبوع', 3: 'شهر', 4: 'سنة'}, weekOf: 'أسبوع ', noPlace: 'بلا مكان',
      more: '… و{n} أخرى', perBin: {week: 'في الأسبوع', month: 'في الشهر'}, timeline: 'الحوادث',
      areaPop: '{n} حادثة مكانها {name} فقط', prevTitle: 'الخطوة السابقة', nextTitle: 'الخطوة التالية',
      summary: 'الملخص', count: '{N} حادثة', colocated: '{n} حادثة في مكان واحد'
    }
  };
  var S = STRINGS[UI];

  function fmt(s, vars) {
    return s.replace(/\{(\w+)\}/g, function (m, k) { return vars[k]; });
  }
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function bdi(text, lang) {
    if (!text) return '';
    return lang === 'ar' ? '<bdi lang="ar" dir="rtl">' + esc(text) + '</bdi>' : '<bdi>' + esc(text) + '</bdi>';
  }
  function el(id) { return document.getElementById(id); }

  /* ---- Dates ---------------------------------------------------------------------------- */

  var MONTHS = {en: [], ar: []};
  D.months_tsv.split('\n').forEach(function (line) {
    var f = line.split('\t');
    var m = parseInt(f[0], 10);
    if (f.length >= 4 && m >= 1 && m <= 12) { MONTHS.en[m - 1] = f[1]; MONTHS.ar[m - 1] = f[3].trim(); }
  });
  function ymd(day) {
    var d = new Date(day * DAY_MS);
    return {y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate()};
  }
  function dayOf(y, m, d) { return Math.round(Date.UTC(y, m, d) / DAY_MS); }
  function monthEnd(day) { var t = ymd(day); return dayOf(t.y, t.m + 1, 0); }
  function fmtDay(day) { var t = ymd(day); return t.d + ' ' + MONTHS[UI][t.m] + ' ' + t.y; }
  function fmtMonth(day) { var t = ymd(day); return MONTHS[UI][t.m] + ' ' + t.y; }
  function fmtDate(d0, prec) {
    if (prec === 3) return fmtMonth(d0);
    if (prec === 4) return String(ymd(d0).y);
    if (prec === 2) return S.weekOf + fmtDay(d0);
    return fmtDay(d0);
  }

  /* ---- Data ----------------------------------------------------------------------------- */

  var I = D.inc, N = I.id.length, TYPES = D.types, NT = TYPES.length, ST = D.style;
  var KIND = new Uint8Array(N); /* 0 point, 1 area, 2 country level */
  for (var i = 0; i < N; i++) KIND[i] = I.a[i] === -2 ? 2 : I.a[i] >= 0 ? 1 : 0;
  var minDay = Infinity, maxDay = -Infinity;
  for (i = 0; i < N; i++) {
    if (I.d0[i] < minDay) minDay = I.d0[i];
    if (I.d1[i] > maxDay) maxDay = I.d1[i];
  }
  if (!N) { minDay = maxDay = Math.floor(Date.now() / DAY_MS); }

  function typeLabel(t) { return UI === 'ar' ? TYPES[t].ar : TYPES[t].en; }
  function placeName(p) {
    if (p < 0) return esc(S.noPlace);
    var en = D.places[p][0], ar = D.places[p][1];
    if (LANG === 'ar') return bdi(ar || en, ar ? 'ar' : 'en');
    if (LANG === 'en') return bdi(en || ar, en ? 'en' : 'ar');
    return ar && en ? bdi(en, 'en') + ' ' + bdi(ar, 'ar') : bdi(en || ar, en ? 'en' : 'ar');
  }
  function bothNames(en, ar) {
    var first = RTL ? [ar, 'ar', en, 'en'] : [en, 'en', ar, 'ar'];
    return [bdi(first[0], first[1]), bdi(first[2], first[3])].filter(Boolean).join(' · ');
  }

  /* Arabic and English search keys: case, diacritics, tatweel and the hamza and ta marbuta
   * spellings do not matter. */
  function searchKey(s) {
    return (s || '').toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f\u064b-\u065f\u0670\u0640]/g, '')
      .replace(/[أإآٱ]/g, 'ا').replace(/ى/g, 'ي').replace(/ة/g, 'ه').replace(/[‘’'`ʿʾ-]/g, '').replace(/\s+/g, ' ').trim();
  }
  var PLACE_KEYS = D.places.map(function (p) { return searchKey(p[0]) + '|' + searchKey(p[1]); });

  /* ---- Symbols -------------------------------------------------------------------------- */

  function polygon(n, r, c, rot, inner) {
    var pts = [], k = inner ? 2 * n : n;
    for (var j = 0; j < k; j++) {
      var a = rot + j * 2 * Math.PI / k, rr = inner && j % 2 ? inner : r;
      pts.push((c + rr * Math.sin(a)).toFixed(2) + ',' + (c - rr * Math.cos(a)).toFixed(2));
    }
    return '<polygon points="' + pts.join(' ') + '"/>';
  }
  function shapeSvg(shape, s) {
    var c = s / 2, r = s / 2 - 1, w = Math.max(1.5, s / 4);
    switch (shape) {
      case 'square': return '<rect x="' + (c - r * 0.85) + '" y="' + (c - r * 0.85) + '" width="' + (1.7 * r) + '" height="' + (1.7 * r) + '"/>';
      case 'triangle': return polygon(3, r * 1.1, c, 0);
      case 'triangle_down': return polygon(3, r * 1.1, c, Math.PI);
      case 'diamond': return polygon(4, r, c, 0);
      case 'star': return polygon(5, r * 1.1, c, 0, r * 0.45);
      case 'pentagon': return polygon(5, r, c, 0);
      case 'hexagon': return polygon(6, r, c, 0);
      case 'plus': return '<path d="M' + (c - w / 2) + ' 1h' + w + 'v' + (c - 1 - w / 2) + 'h' + (c - 1 - w / 2) + 'v' + w + 'h-' + (c - 1 - w / 2) + 'v' + (c - 1 - w / 2) + 'h-' + w + 'v-' + (c - 1 - w / 2) + 'h-' + (c - 1 - w / 2) + 'v-' + w + 'h' + (c - 1 - w / 2) + 'z"/>';
      case 'cross': return '<path transform="rotate(45 ' + c + ' ' + c + ')" d="M' + (c - w / 2) + ' 1h' + w + 'v' + (c - 1 - w / 2) + 'h' + (c - 1 - w / 2) + 'v' + w + 'h-' + (c - 1 - w / 2) + 'v' + (c - 1 - w / 2) + 'h-' + w + 'v-' + (c - 1 - w / 2) + 'h-' + (c - 1 - w / 2) + 'v-' + w + 'h' + (c - 1 - w / 2) + 'z"/>';
      default: return '<circle cx="' + c + '" cy="' + c + '" r="' + r + '"/>';
    }
  }
  function symbol(t, s) {
    return '<svg class="bm-sym" width="' + s + '" height="' + s + '" viewBox="0 0 ' + s + ' ' + s +
      '" aria-hidden="true"><g fill="' + TYPES[t].colour + '" stroke="#fff" stroke-width="1">' +
      shapeSvg(TYPES[t].shape, s) + '</g></svg>';
  }
  /* The static maps' rule: the symbol's area grows with the sources (or fatalities). */
  var PX = 1.6; /* screen pixels per style point: the map is looked at closer than a page */
  function symbolSize(i) {
    var v = ST.size_by_fatalities ? Math.max(1, I.f[i] + 1) : Math.max(1, I.ns[i]);
    return Math.round(Math.min(ST.symbol_max, ST.symbol_size * Math.sqrt(v)) * PX);
  }

  /* Hatching for areas: one SVG pattern per type plus one grey for mixed areas, defined once
   * in the document and referenced by the area paths' fill. */
  (function hatchPatterns() {
    var defs = TYPES.map(function (t, k) { return [k, t.colour]; }).concat([['mixed', '#6B6660']]);
    var html = '<svg id="bm-defs" width="0" height="0" aria-hidden="true"><defs>' + defs.map(function (d) {
      return '<pattern id="bm-hatch-' + d[0] + '" width="7" height="7" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
        '<rect width="7" height="7" fill="' + d[1] + '" fill-opacity="0.16"/>' +
        '<line x1="0" y1="0" x2="0" y2="7" stroke="' + d[1] + '" stroke-width="2" stroke-opacity="0.6"/></pattern>';
    }).join('') + '</defs></svg>';
    document.body.insertAdjacentHTML('beforeend', html);
  })();

  /* ---- Map and basemap ------------------------------------------------------------------- */

  document.documentElement.style.setProperty('--bm-water', ST.water);
  var map = L.map('bm-map', {zoomSnap: 0.25, minZoom: 4, maxZoom: 12, attributionControl: false,
                             zoomControl: false, preferCanvas: false});
  L.control.zoom({position: RTL ? 'topright' : 'topleft'}).addTo(map);
  L.control.scale({position: RTL ? 'bottomright' : 'bottomleft', imperial: false}).addTo(map);
  [['bm-base', 200], ['bm-lines', 300], ['bm-areas', 380], ['bm-area-counts', 390], ['bm-labels', 450]].forEach(function (p) {
    map.createPane(p[0]).style.zIndex = p[1];
  });
  map.getPane('bm-labels').style.pointerEvents = 'none';
  var baseRenderer = L.canvas({pane: 'bm-base', padding: 0.1});
  var lineRenderer = L.canvas({pane: 'bm-lines', padding: 0.1});
  var areaRenderer = L.svg({pane: 'bm-areas', padding: 0.1});
  var B = D.basemap;
  function baseLayer(fc, style, renderer) {
    return L.geoJSON(fc, {style: style, renderer: renderer, interactive: false}).addTo(map);
  }
  var COUNTRY_FILL = {IQ: ST.iraq, SY: ST.syria};
  /* The coarse locator countries fill what lies beyond the detailed basemap's box. */
  baseLayer(B.locator, function (f) {
    return {fillColor: COUNTRY_FILL[f.properties.iso_a2] || ST.neighbour, fillOpacity: 1, color: ST.country_line, weight: 0.6};
  }, baseRenderer);
  baseLayer(B.countries, function (f) {
    return {fillColor: COUNTRY_FILL[f.properties.iso_a2] || ST.neighbour, fillOpacity: 1, stroke: false};
  }, baseRenderer);
  baseLayer(B.lakes, {fillColor: ST.water, fillOpacity: 1, color: ST.lake_line, weight: 0.6}, baseRenderer);
  baseLayer(B.admin1_lines, {color: ST.admin_line, weight: ST.admin_width * PX, dashArray: '4 3', fill: false}, lineRenderer);
  baseLayer(B.rivers, function (f) {
    var major = f.properties.level <= 1 || f.properties.name_en;
    return {color: ST.river, weight: (major ? ST.river_major_width : ST.river_minor_width) * PX, fill: false};
  }, lineRenderer);
  baseLayer(B.borders, {color: ST.country_line, weight: ST.border_width * PX, fill: false}, lineRenderer);
  baseLayer(B.border_iq_sy, {color: ST.border_iq_sy, weight: ST.border_iq_sy_width * PX, fill: false, opacity: 0.9}, lineRenderer);

  function nameLabel(ll, en, ar, cls) {
    var text = LANG === 'ar' ? bdi(ar || en, ar ? 'ar' : 'en')
      : LANG === 'en' ? bdi(en || ar) : en && ar ? bdi(en) + '<br>' + bdi(ar, 'ar') : bdi(en || ar);
    return L.marker(ll, {pane: 'bm-labels', interactive: false, keyboard: false,
      icon: L.divIcon({className: 'bm-label ' + cls, html: '<span>' + text + '</span>', iconSize: null})});
  }
  var labelGroups = [L.layerGroup().addTo(map), L.layerGroup(), L.layerGroup()]; /* by zoom */
  B.countries.features.forEach(function (f) {
    var lyr = L.geoJSON(f);
    var big = ['IQ', 'SY'].indexOf(f.properties.iso_a2) >= 0;
    labelGroups[big ? 0 : 1].addLayer(nameLabel(lyr.getBounds().getCenter(), f.properties.name_en, f.properties.name_ar, 'bm-country-name'));
  });
  B.admin1.features.forEach(function (f) {
    if (['IQ', 'SY'].indexOf(f.properties.country) < 0) return;
    var lyr = L.geoJSON(f);
    labelGroups[1].addLayer(nameLabel(lyr.getBounds().getCenter(), f.properties.name_en, f.properties.name_ar, 'bm-admin-name'));
  });
  var crossingIcon = L.divIcon({className: 'bm-crossing', html: '<svg width="9" height="9"><rect x="1" y="1" width="7" height="7" fill="#fff" stroke="' + ST.crossing + '" stroke-width="1.6"/></svg>', iconSize: [9, 9]});
  D.towns.forEach(function (t) {
    var ll = [t[1], t[0]];
    if (t[6]) {
      L.marker(ll, {icon: crossingIcon, pane: 'bm-lines', keyboard: false, title: t[2] + (t[3] ? ' · ' + t[3] : '')}).addTo(map);
      labelGroups[2].addLayer(nameLabel(ll, t[2], t[3], 'bm-crossing-name'));
      return;
    }
    var g = t[4] <= 2 ? 0 : t[4] === 3 || t[5] >= 100000 ? 1 : 2;
    labelGroups[g].addLayer(nameLabel(ll, t[2], t[3], 'bm-town rank' + Math.min(t[4], 4)));
  });
  function zoomLabels() {
    var z = map.getZoom();
    [0, 6.75, 8].forEach(function (minZ, k) {
      var on = z >= minZ;
      if (on !== map.hasLayer(labelGroups[k])) { if (on) labelGroups[k].addTo(map); else map.removeLayer(labelGroups[k]); }
    });
  }
  map.on('zoomend', zoomLabels);

  /* ---- Popups --------------------------------------------------------------------------- */

  function row(k, v) { return '<tr><th>' + esc(k) + '</th><td>' + v + '</td></tr>'; }
  function popupHtml(i) {
    var t = I.t[i], p = I.p[i], h = '';
    h += '<div class="bm-pop" dir="' + (RTL ? 'rtl' : 'ltr') + '" data-id="' + I.id[i] + '">';
    h += '<div class="bm-pop-type">' + symbol(t, 14) + ' <b>' + esc(typeLabel(t)) + '</b>';
    if (LANG === 'both') h += ' ' + bdi(TYPES[t].ar, 'ar');
    h += '</div><table>';
    var when = fmtDate(I.d0[i], I.dp[i]);
    if (I.d1[i] !== I.d0[i] && I.dp[i] === 1) when += ' – ' + fmtDay(I.d1[i]);
    h += row(S.date, esc(when) + ' <span class="bm-muted">(' + esc(S.prec[I.dp[i]] || '') + ')</span>');
    h += row(S.place, p >= 0 ? bothNames(D.places[p][0], D.places[p][1]) : esc(S.noPlace));
    h += row(S.geoprec, I.gp[i] + ' – ' + esc(S.gp[I.gp[i]] || ''));
    h += row(S.fat, I.f[i] >= 0 ? String(I.f[i]) : '<span class="bm-muted">' + esc(S.notStated) + '</span>');
    h += row(S.conf, Math.round(I.c[i] * 100) + '%');
    h += '</table><div class="bm-sources"><b>' + esc(S.sources) + ' (' + I.ns[i] + ')</b>';
    if (!I.ns[i]) {
      h += '<p class="bm-muted">' + esc(S.noSource) + '</p>';
      if (D.inc.sum[i]) h += '<blockquote dir="auto">' + esc(D.inc.sum[i]) + '</blockquote>';
    }
    h += '<ol>';
    for (var k = 0; k < I.ns[i]; k++) {
      var s = D.src[I.s0[i] + k]; /* outlet, published, url, sentence, file */
      var name = s[0] || (s[4] || '').split('/').pop() || s[2] || '?';
      var link = s[2] && /^https?:\/\//i.test(s[2])
        ? '<a class="bm-source-link" href="' + esc(s[2]) + '" target="_blank" rel="noopener noreferrer"><bdi>' + esc(name) + '</bdi></a>'
        : '<bdi>' + esc(name) + '</bdi>';
      var published = /^\d{4}-\d{2}-\d{2}$/.test(s[1] || '') ? fmtDay(Math.round(Date.parse(s[1]) / DAY_MS)) : s[1];
      h += '<li>' + link + (published ? ', ' + esc(published) : '');
      if (s[3]) h += '<blockquote dir="auto">' + esc(s[3]) + '</blockquote>';
      h += '</li>';
    }
    return h + '</ol></div></div>';
  }

  /* ---- Incident layers ------------------------------------------------------------------ */

  /* Clusters: supercluster indexes the visible point incidents whenever a filter changes;
   * the markers of the clusters and single incidents in view are kept by key, so a step of
   * the slider only touches what changed. Co-located incidents that no zoom separates stay a
   * cluster, whose popup lists them. */
  var MAXZ = map.getMaxZoom();
  /* Indexed for the current zoom only (supercluster builds one tree per zoom level it
   * covers: one level instead of nine makes a slider step four times cheaper); zooming
   * re-indexes. */
  var index = null, indexZoom = -1, indexPoints = [];
  function reindex() {
    indexZoom = Math.min(MAXZ, Math.round(map.getZoom()));
    index = new Supercluster({radius: 30, extent: 256, minZoom: indexZoom, maxZoom: indexZoom}).load(indexPoints);
  }
  var FEATURES = new Array(N);
  for (i = 0; i < N; i++)
    if (I.a[i] === -1) FEATURES[i] = {type: 'Feature', properties: {i: i}, geometry: {type: 'Point', coordinates: [I.x[i], I.y[i]]}};
  var pointLayer = L.layerGroup().addTo(map);
  var drawnMarkers = new Map(); /* key -> marker */
  /* Symbols are cloned from one parsed template per type and size: parsing SVG markup for
   * every marker a slider step brings in is what made steps slow. */
  var SymbolIcon = L.DivIcon.extend({
    createIcon: function () {
      var div = this.options.template.cloneNode(true);
      this._setIconStyles(div, 'icon');
      return div;
    }
  });
  var iconCache = {};
  function incidentIcon(i) {
    var s = symbolSize(i), key = I.t[i] + ':' + s;
    if (!iconCache[key]) {
      var tpl = document.createElement('div');
      tpl.innerHTML = symbol(I.t[i], s);
      iconCache[key] = new SymbolIcon({className: 'bm-inc bm-t-' + TYPES[I.t[i]].key, template: tpl, iconSize: [s, s]});
    }
    return iconCache[key];
  }
  var markers = new Array(N);
  function marker(i) {
    if (!markers[i]) {
      markers[i] = L.marker([I.y[i], I.x[i]], {icon: incidentIcon(i), keyboard: false});
      markers[i].bindPopup(function () { return popupHtml(i); }, {maxWidth: 380, minWidth: 240});
    }
    return markers[i];
  }
  function listPopup(list, title) {
    var h = '<div class="bm-area-pop" dir="' + (RTL ? 'rtl' : 'ltr') + '"><p><b>' + title + '</b></p>';
    list.slice(0, 50).forEach(function (j) {
      h += '<details><summary>' + symbol(I.t[j], 12) + ' ' + esc(fmtDate(I.d0[j], I.dp[j])) + ' · ' +
        esc(typeLabel(I.t[j])) + ' · ' + placeName(I.p[j]) + '</summary><div class="bm-lazy" data-i="' + j + '"></div></details>';
    });
    if (list.length > 50) h += '<p>' + esc(fmt(S.more, {n: list.length - 50})) + '</p>';
    return h + '</div>';
  }
  /* A list's entries fill in when opened: a long list costs nothing until it is read. */
  document.addEventListener('toggle', function (e) {
    var lazy = e.target.querySelector && e.target.querySelector(':scope > .bm-lazy');
    if (lazy && !lazy.firstChild) lazy.innerHTML = popupHtml(+lazy.getAttribute('data-i'));
  }, true);
  function clusterSize(n) { return n < 10 ? 26 : n < 100 ? 32 : n < 1000 ? 38 : 44; }
  function clusterIcon(n) {
    var s = clusterSize(n);
    return L.divIcon({className: 'bm-cluster-icon', iconSize: [s, s],
      html: '<div class="bm-cluster" data-count="' + n + '"><span>' + n + '</span></div>'});
  }
  function clusterMarker() {
    var m = L.marker([0, 0], {keyboard: false, icon: clusterIcon(0)});
    m.on('click', function () {
      var leaves = index.getLeaves(m.bmId, Infinity).map(function (f) { return f.properties.i; });
      var b = L.latLngBounds(leaves.map(function (j) { return [I.y[j], I.x[j]]; }));
      if (map.getZoom() < MAXZ && b.getNorthEast().distanceTo(b.getSouthWest()) > 50) {
        map.fitBounds(b, {padding: [40, 40], maxZoom: MAXZ});
        return;
      }
      m.bindPopup(listPopup(leaves, esc(fmt(S.colocated, {n: leaves.length}))), {maxWidth: 400}).openPopup();
    });
    return m;
  }
  /* Moves a cluster marker to a cluster and shows its count; the icon is rebuilt only when
   * its size class changes, so a slider step edits a few numbers instead of making nodes. */
  function placeCluster(m, c) {
    var n = c.properties.point_count;
    m.bmId = c.properties.cluster_id;
    m.setLatLng([c.geometry.coordinates[1], c.geometry.coordinates[0]]);
    if (m.bmN === n) return;
    var div = m._icon && m._icon.firstChild;
    if (div && clusterSize(m.bmN) === clusterSize(n)) {
      div.setAttribute('data-count', n);
      div.firstChild.textContent = n;
    } else {
      m.setIcon(clusterIcon(n));
    }
    m.bmN = n;
  }
  var spareClusters = [];
  function drawPoints() {
    if (Math.min(MAXZ, Math.round(map.getZoom())) !== indexZoom) reindex();
    var b = map.getBounds().pad(0.25), z = indexZoom;
    var list = index.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], z);
    var next = new Map(), fresh = [];
    list.forEach(function (c) {
      var key = c.properties.cluster ? 'c' + c.geometry.coordinates.join(',') + ':' + c.properties.point_count : 'i' + c.properties.i;
      var m = drawnMarkers.get(key);
      if (m) {
        drawnMarkers.delete(key);
        if (c.properties.cluster) m.bmId = c.properties.cluster_id;
      } else if (c.properties.cluster) {
        fresh.push([key, c]);
        return;
      } else {
        m = marker(c.properties.i);
        pointLayer.addLayer(m);
      }
      next.set(key, m);
    });
    /* What is left of the old set: single incidents go, cluster markers are reused. */
    drawnMarkers.forEach(function (m) {
      if (m.bmId === undefined) pointLayer.removeLayer(m); else spareClusters.push(m);
    });
    fresh.forEach(function (kc) {
      var m = spareClusters.pop();
      if (!m) { m = clusterMarker(); pointLayer.addLayer(m); }
      placeCluster(m, kc[1]);
      next.set(kc[0], m);
    });
    spareClusters.forEach(function (m) { pointLayer.removeLayer(m); m.bmN = -1; });
    spareClusters = [];
    drawnMarkers = next;
  }
  map.on('moveend', drawPoints);

  /* Areas: one hatched polygon per area, in the colour of its most frequent visible type
   * (grey when types mix), with the count of its visible incidents. */
  var AREAS = D.areas.map(function (a) {
    var geom = a.k === 'a' ? B.admin1.features[a.i].geometry : a.k === 'r' ? a.g : null;
    var layer = geom ? L.geoJSON(geom, {renderer: areaRenderer, pane: 'bm-areas'})
      : L.circle([a.y, a.x], {radius: 15000, renderer: areaRenderer, pane: 'bm-areas'});
    var centre = geom ? layer.getBounds().getCenter() : L.latLng(a.y, a.x);
    /* Counts change at every step: in a pane of their own, so the hatching is not repainted. */
    var label = L.marker(centre, {pane: 'bm-area-counts', keyboard: false,
      icon: L.divIcon({className: 'bm-area-icon', html: '', iconSize: null})});
    return {layer: layer, label: label, on: false, members: []};
  });
  for (i = 0; i < N; i++) if (KIND[i] === 1) AREAS[I.a[i]].members.push(i);
  var areaTypeCounts = new Int32Array(AREAS.length * NT);
  function areaPopup(a) {
    var list = a.members.filter(function (j) { return vis[j]; });
    var p = I.p[list[0]];
    return listPopup(list, fmt(esc(S.areaPop), {n: list.length, name: p >= 0 ? placeName(p) : ''}));
  }
  AREAS.forEach(function (a) {
    a.layer.bindPopup(function () { return areaPopup(a); }, {maxWidth: 400});
    a.label.bindPopup(function () { return areaPopup(a); }, {maxWidth: 400});
  });

  /* ---- Filters and state ----------------------------------------------------------------- */

  var typeOn = TYPES.map(function () { return true; });
  var state = {cursor: maxDay, unit: 'month', cumulative: true, query: ''};
  var placeOk = new Uint8Array(D.places.length).fill(1);
  var vis = new Uint8Array(N);

  function stepBack(day, unit) {
    if (unit === 'day') return day;
    if (unit === 'week') return day - 6;
    var t = ymd(day), prev = dayOf(t.y, t.m - 1, t.d);
    /* The same day a month earlier, plus one: a calendar month when day is a month's end. */
    return day === monthEnd(day) ? dayOf(t.y, t.m, 1) : prev + 1;
  }
  function windowOf() {
    return [state.cumulative ? -Infinity : stepBack(state.cursor, state.unit), state.cursor];
  }
  function passesFilters(j) {
    return typeOn[I.t[j]] && (!state.query || (I.p[j] >= 0 && placeOk[I.p[j]]));
  }

  var legendCounts = new Int32Array(NT), typeTotals = new Int32Array(NT);
  for (i = 0; i < N; i++) typeTotals[I.t[i]]++;

  var TIMING = {};
  function update() {
    var w = windowOf(), lo = w[0], hi = w[1];
    var pts = [], shown = 0, country = [];
    legendCounts.fill(0);
    areaTypeCounts.fill(0);
    for (var j = 0; j < N; j++) {
      var inTime = I.d1[j] >= lo && I.d0[j] <= hi;
      var inSearch = !state.query || (I.p[j] >= 0 && placeOk[I.p[j]]);
      if (inTime && inSearch) legendCounts[I.t[j]]++;
      var v = inTime && inSearch && typeOn[I.t[j]] ? 1 : 0;
      vis[j] = v;
      if (!v) continue;
      shown++;
      if (KIND[j] === 0) pts.push(FEATURES[j]);
      else if (KIND[j] === 2) country.push(j);
      else areaTypeCounts[I.a[j] * NT + I.t[j]]++;
    }
    var t0 = performance.now();
    indexPoints = pts;
    reindex();
    var t1 = performance.now();
    drawPoints();
    var t2 = performance.now();
    updateAreas();
    var t3 = performance.now();
    updateLegend(shown);
    updatePanel(country);
    updateCursor();
    /* Where an update's time goes, for bench/bench-webmap.mjs. */
    TIMING = {index: t1 - t0, points: t2 - t1, areas: t3 - t2, rest: performance.now() - t3};
    return shown;
  }

  function updateAreas() {
    AREAS.forEach(function (a, k) {
      var n = 0, best = -1, bestN = 0, mixed = false;
      for (var t = 0; t < NT; t++) {
        var c = areaTypeCounts[k * NT + t];
        n += c;
        if (c > bestN) { best = t; bestN = c; mixed = false; } else if (c && c === bestN) mixed = true;
      }
      if (!n) {
        if (a.on) { map.removeLayer(a.layer); map.removeLayer(a.label); a.on = false; a.n = -1; }
        return;
      }
      var colour = mixed ? '#6B6660' : TYPES[best].colour;
      /* Restyling repaints every hatched area: only when the colour changes. */
      if (a.colour !== colour) {
        a.colour = colour;
        a.layer.setStyle({color: colour, weight: 1.4, opacity: 0.9, dashArray: '5 3', fillColor: 'url(#bm-hatch-' + (mixed ? 'mixed' : best) + ')', fillOpacity: 1});
        a.n = -1;
      }
      if (a.n !== n) {
        var span = a.label._icon && a.label._icon.firstChild;
        if (span && a.n > 0) {
          span.setAttribute('data-count', n);
          span.textContent = n;
          span.style.borderColor = colour;
        } else {
          a.label.setIcon(L.divIcon({className: 'bm-area-icon', iconSize: null,
            html: '<span class="bm-area-count" data-count="' + n + '" style="border-color:' + colour + '">' + n + '</span>'}));
        }
        a.n = n;
      }
      if (!a.on) { a.layer.addTo(map); a.label.addTo(map); a.on = true; }
    });
  }

  /* ---- Legend ----------------------------------------------------------------------------- */

  var Legend = L.Control.extend({
    options: {position: RTL ? 'topleft' : 'topright'},
    onAdd: function () {
      var div = L.DomUtil.create('div', 'bm-legend');
      div.id = 'bm-legend';
      div.setAttribute('dir', RTL ? 'rtl' : 'ltr');
      /* A details element: the reader can fold the legend away from the map. */
      var h = '<details open><summary><h2>' + esc(S.legend) + '</h2></summary><ul>';
      TYPES.forEach(function (t, k) {
        if (!typeTotals[k]) return;
        h += '<li><label><input type="checkbox" checked data-type="' + t.key + '"> ' + symbol(k, 14) +
          ' <span class="bm-type-name">' + esc(typeLabel(k)) + (LANG === 'both' ? ' ' + bdi(t.ar, 'ar') : '') +
          '</span> <span class="bm-count" data-type="' + t.key + '"></span></label></li>';
      });
      h += '</ul><ul class="bm-keys">';
      h += '<li><span class="bm-key-area"></span> ' + esc(S.areas) + ' <span class="bm-muted">(' + esc(S.areasNote) + ')</span></li>';
      h += '<li><span class="bm-key-cluster">3</span> ' + esc(S.cluster) + '</li>';
      h += '<li><span class="bm-key-border" style="background:' + ST.border_iq_sy + '"></span> ' + esc(S.border) + '</li>';
      h += '</ul></details>';
      div.innerHTML = h;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      div.addEventListener('change', function (e) {
        var k = TYPES.findIndex(function (t) { return t.key === e.target.getAttribute('data-type'); });
        if (k < 0) return;
        typeOn[k] = e.target.checked;
        update();
        drawTimeline();
      });
      return div;
    }
  });
  var legend = new Legend().addTo(map);
  /* A popup under the legend cannot be read: the map moves it aside. */
  map.on('popupopen', function (e) {
    var p = e.popup.getElement().getBoundingClientRect(), l = legend.getContainer().getBoundingClientRect();
    var m = map.getContainer().getBoundingClientRect();
    var dy = Math.min(0, p.top - m.top - 10), dx = 0;
    if (!(p.left >= l.right || p.right <= l.left || p.top - dy >= l.bottom || p.bottom - dy <= l.top))
      dx = RTL ? p.left - l.right - 12 : p.right - l.left + 12;
    if (dx || dy) map.panBy([dx, dy]);
  });
  function updateLegend(shown) {
    var div = legend.getContainer();
    TYPES.forEach(function (t, k) {
      var c = div.querySelector('.bm-count[data-type="' + t.key + '"]');
      if (c) { c.textContent = legendCounts[k]; c.parentNode.classList.toggle('bm-off', !typeOn[k]); }
    });
    var s = el('bm-shown');
    s.textContent = fmt(S.shown, {n: shown, N: N});
    s.setAttribute('data-shown', shown);
  }

  /* ---- Side panel: country-level incidents ------------------------------------------------ */

  /* The latest fifty are listed, newest first; the count covers all of them. */
  var panelKey = null, PANEL_MAX = 50;
  function updatePanel(list) {
    var latest = list.slice(-PANEL_MAX).reverse();
    var key = list.length + ':' + latest.join(',');
    if (key === panelKey) return;
    panelKey = key;
    var title = el('bm-country-title');
    title.innerHTML = esc(S.country) + ' <span class="bm-badge" id="bm-country-count" data-count="' + list.length + '">' + list.length + '</span>';
    var h = '';
    latest.forEach(function (j) {
      h += '<li><details><summary><span class="bm-swatch" style="background:' + TYPES[I.t[j]].colour + '"></span> ' + esc(fmtDate(I.d0[j], I.dp[j])) + ' · ' +
        esc(typeLabel(I.t[j])) + ' · ' + placeName(I.p[j]) + '</summary><div class="bm-lazy" data-i="' + j + '"></div></details></li>';
    });
    if (list.length > PANEL_MAX) h += '<li class="bm-muted">' + esc(fmt(S.more, {n: list.length - PANEL_MAX})) + '</li>';
    el('bm-country-list').innerHTML = h;
  }

  /* ---- Time: slider, play, timeline ------------------------------------------------------- */

  var slider = el('bm-slider');
  slider.setAttribute('aria-label', S.date);
  slider.min = minDay;
  slider.max = maxDay;
  slider.value = maxDay;
  function setCursor(day) {
    state.cursor = Math.max(minDay, Math.min(maxDay, day));
    slider.value = state.cursor;
    return update();
  }
  slider.addEventListener('input', function () { setCursor(+slider.value); });
  function stepForward(day) {
    if (state.unit === 'day') return day + 1;
    if (state.unit === 'week') return day + 7;
    return day === monthEnd(day) ? monthEnd(day + 1) : monthEnd(day);
  }
  function stepBackward(day) {
    if (state.unit === 'day') return day - 1;
    if (state.unit === 'week') return day - 7;
    return monthEnd(dayOf(ymd(day).y, ymd(day).m, 0));
  }
  var playing = null;
  function setPlaying(on) {
    if (playing) { clearInterval(playing); playing = null; }
    if (on) {
      if (state.cursor >= maxDay) setCursor(state.unit === 'month' ? monthEnd(minDay) : stepForward(minDay - 1));
      playing = setInterval(function () {
        if (state.cursor >= maxDay) { setPlaying(false); return; }
        setCursor(stepForward(state.cursor));
      }, 800);
    }
    el('bm-play').textContent = on ? S.pause : S.play;
    el('bm-play').setAttribute('aria-pressed', on ? 'true' : 'false');
  }
  el('bm-play').addEventListener('click', function () { setPlaying(!playing); });
  function options(sel, list, value) {
    sel.innerHTML = list.map(function (o) { return '<option value="' + o[0] + '">' + esc(o[1]) + '</option>'; }).join('');
    sel.value = value;
  }
  options(el('bm-step'), [['day', S.day], ['week', S.week], ['month', S.month]], state.unit);
  options(el('bm-mode'), [['cumulative', S.cumulative], ['window', S.window]], 'cumulative');
  el('bm-step').addEventListener('change', function (e) {
    state.unit = e.target.value;
    rebin(state.unit);
    update();
    drawTimeline();
  });
  el('bm-mode').addEventListener('change', function (e) { state.cumulative = e.target.value === 'cumulative'; update(); });
  var prev = document.createElement('button'), next = document.createElement('button');
  prev.type = next.type = 'button';
  prev.id = 'bm-prev'; next.id = 'bm-next';
  prev.textContent = S.prev; next.textContent = S.next;
  prev.title = S.prevTitle; next.title = S.nextTitle;
  /* Time runs left to right in both languages (the slider and the timeline), so the step
   * buttons keep that order too. */
  var steps = document.createElement('span');
  steps.dir = 'ltr';
  steps.className = 'bm-steps';
  steps.append(prev, next);
  el('bm-play').after(steps);
  prev.addEventListener('click', function () { setCursor(stepBackward(state.cursor)); });
  next.addEventListener('click', function () { setCursor(stepForward(state.cursor)); });

  /* Bars per week or month (by the span), stacked by type, of the incidents the type and
   * place filters let through; the time window is the shaded band. */
  /* Weekly bars for day and week steps, monthly ones for month steps. */
  var BIN = 'month', bins = [], binOf = new Int32Array(N);
  function binStart(day) {
    if (BIN === 'month') { var t = ymd(day); return dayOf(t.y, t.m, 1); }
    return day - ((day + 3) % 7 + 7) % 7; /* Mondays: 1970-01-01 was a Thursday */
  }
  function binNext(day) {
    if (BIN === 'month') { var t = ymd(day); return dayOf(t.y, t.m + 1, 1); }
    return day + 7;
  }
  function rebin(unit) {
    BIN = unit === 'month' ? 'month' : 'week';
    bins = [];
    for (var b = binStart(minDay); b <= maxDay; b = binNext(b)) bins.push(b);
    for (var j = 0; j < N; j++) {
      var lo = 0, hi = bins.length - 1;
      while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (bins[mid] <= I.d0[j]) lo = mid; else hi = mid - 1; }
      binOf[j] = lo;
    }
  }
  rebin(state.unit);
  var TL = {w: 0, h: 64, pad: 4};
  function xOf(day) {
    var span = binNext(bins[bins.length - 1]) - bins[0];
    return TL.pad + (day - bins[0]) / span * (TL.w - 2 * TL.pad);
  }
  function drawTimeline() {
    var box = el('bm-timeline');
    TL.w = Math.max(200, box.clientWidth);
    var counts = bins.map(function () { return new Int32Array(NT); }), max = 1;
    for (var j = 0; j < N; j++) if (passesFilters(j)) counts[binOf[j]][I.t[j]]++;
    var totals = counts.map(function (c) { var s = 0; for (var k = 0; k < NT; k++) s += c[k]; return s; });
    totals.forEach(function (s) { if (s > max) max = s; });
    /* A month label every few months: eight at most across the strip. */
    var labelEvery = Math.max(1, Math.ceil((maxDay - minDay) / 30.4 / 8));
    if (labelEvery > 1) labelEvery = [2, 3, 4, 6, 12].find(function (k) { return k >= labelEvery; }) || 12;
    var barH = TL.h - 16, svg = '<svg id="bm-timeline-svg" width="' + TL.w + '" height="' + TL.h + '">';
    bins.forEach(function (b0, k) {
      var x0 = xOf(b0), x1 = xOf(binNext(b0)), y = barH, bw = Math.max(1, x1 - x0 - 1);
      for (var t = 0; t < NT; t++) {
        var n = counts[k][t];
        if (!n) continue;
        var hgt = n / max * (barH - 4);
        y -= hgt;
        svg += '<rect x="' + x0.toFixed(1) + '" y="' + y.toFixed(1) + '" width="' + bw.toFixed(1) + '" height="' + hgt.toFixed(1) + '" fill="' + TYPES[t].colour + '"><title>' + esc(BIN === 'month' ? fmtMonth(b0) : S.weekOf + fmtDay(b0)) + ': ' + n + ' ' + esc(typeLabel(t)) + '</title></rect>';
      }
      var t0 = ymd(b0);
      if ((BIN === 'month' || t0.d <= 7) && (t0.y * 12 + t0.m) % labelEvery === 0)
        svg += '<text x="' + x0.toFixed(1) + '" y="' + (TL.h - 3) + '">' + esc(BIN === 'month' && t0.m === 0 ? String(t0.y) : fmtMonth(b0)) + '</text>';
    });
    svg += '</svg>';
    /* The window and the cursor are layers over the bars, moved by transforms: a slider step
     * repaints no bar. */
    box.innerHTML = svg + '<div id="bm-window" style="height:' + barH + 'px"></div><div id="bm-cursor" style="height:' + barH + 'px"></div>';
    box.title = S.timeline + ' ' + S.perBin[BIN];
    updateCursor();
  }
  function updateCursor() {
    var w = windowOf(), x1 = xOf(state.cursor + 1), x0 = xOf(Math.max(bins[0], w[0] === -Infinity ? bins[0] : w[0]));
    var win = el('bm-window'), cur = el('bm-cursor');
    if (win) win.style.transform = 'translateX(' + x0.toFixed(1) + 'px) scaleX(' + Math.max(1, x1 - x0).toFixed(1) + ')';
    if (cur) cur.style.transform = 'translateX(' + (x1 - 0.75).toFixed(1) + 'px)';
    var wholeMonth = !state.cumulative && ymd(w[0]).d === 1 && w[1] === monthEnd(w[0]);
    var label = state.cumulative ? fmtDay(state.cursor) : wholeMonth ? fmtMonth(w[0])
      : w[0] === w[1] ? fmtDay(w[0]) : fmtDay(w[0]) + ' – ' + fmtDay(w[1]);
    el('bm-date').textContent = label;
  }
  el('bm-timeline').addEventListener('click', function (e) {
    var r = el('bm-timeline').getBoundingClientRect();
    var span = binNext(bins[bins.length - 1]) - bins[0];
    var day = bins[0] + Math.floor((e.clientX - r.left - TL.pad) / (TL.w - 2 * TL.pad) * span);
    setCursor(state.unit === 'month' ? monthEnd(day) : day);
  });
  window.addEventListener('resize', drawTimeline);

  /* ---- Search ----------------------------------------------------------------------------- */

  el('bm-search').placeholder = S.search;
  el('bm-search-label').textContent = S.search;
  el('bm-search').addEventListener('input', function (e) {
    state.query = searchKey(e.target.value);
    for (var p = 0; p < placeOk.length; p++) placeOk[p] = !state.query || PLACE_KEYS[p].indexOf(state.query) >= 0 ? 1 : 0;
    update();
    drawTimeline();
  });

  /* ---- Page text and first view --------------------------------------------------------- */

  var title = LANG === 'ar' ? D.meta.title_ar : D.meta.title;
  el('bm-title').textContent = title;
  if (LANG === 'both' && D.meta.title_ar && D.meta.title_ar !== D.meta.title)
    el('bm-title').insertAdjacentHTML('beforeend', ' <span class="bm-title-ar" lang="ar" dir="rtl">' + esc(D.meta.title_ar) + '</span>');
  el('bm-subtitle').textContent = (N ? fmtDay(minDay) + ' – ' + fmtDay(maxDay) + ' · ' : '') + fmt(S.count, {N: N});
  el('bm-step-label').textContent = S.step;
  el('bm-mode-label').textContent = S.mode;
  el('bm-country-note').textContent = S.countryNote;
  el('bm-attrib').textContent = D.meta.attribution + ' · Leaflet · bordermap ' + D.meta.version;

  var view = L.latLngBounds([D.meta.corridor[1], D.meta.corridor[0]], [D.meta.corridor[3], D.meta.corridor[2]]);
  if (D.meta.bbox) view = L.latLngBounds([D.meta.bbox[1], D.meta.bbox[0]], [D.meta.bbox[3], D.meta.bbox[2]]);
  for (i = 0; i < N; i++) if (KIND[i] === 0) view.extend([I.y[i], I.x[i]]);
  map.fitBounds(view, {padding: [12, 12]});
  zoomLabels();
  setPlaying(false);
  update();
  drawTimeline();

  /* For tests and scripts: the state, and the counts the page shows. */
  window.bordermap = {
    n: N, update: update, setCursor: setCursor, state: state, minDay: minDay, maxDay: maxDay,
    map: map, timing: function () { return TIMING; }, shown: function () { return +el('bm-shown').getAttribute('data-shown'); }
  };
})();
