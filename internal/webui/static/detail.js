// detail.js: the side panel of the one-map page — a feature's attributes
// and, for a monitoring point, its latest value and a 24-hour chart.
(function () {
  'use strict';
  const { t, api, el } = Y;
  const panel = document.getElementById('detail-panel');
  const title = document.getElementById('detail-title');
  const kindEl = document.getElementById('detail-kind');
  const attrs = document.getElementById('detail-attrs');
  const latestEl = document.getElementById('detail-latest');
  const chartEl = document.getElementById('detail-chart');
  const HIDDEN = { lon: 1, lat: 1, id: 1, registry_kind: 1, version: 1, created_at: 1, owner_id: 1, enterprise_id: 1 };
  let chart = null;
  let current = null; // the shown record's properties

  document.getElementById('detail-close').addEventListener('click', close);

  function close() {
    panel.hidden = true;
    current = null;
    if (chart) { chart.dispose(); chart = null; }
  }

  function fmt(v) {
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v === 'number') return Y.num(v);
    if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
    if (Array.isArray(v)) {
      return v.map(function (x) { return x && typeof x === 'object' ? Object.values(x).join(' ') : String(x); }).join('；');
    }
    if (typeof v === 'object') return Object.entries(v).map(function (e) { return e[0] + ': ' + e[1]; }).join('，');
    if (/^\d{4}-\d\d-\d\dT/.test(v)) return Y.time(v);
    return String(v);
  }

  function optionLabel(opts, v) {
    const o = (opts || []).find(function (x) { return x.Value === v; });
    return o ? Y.label(o) : v;
  }

  function row(label, value) {
    return el('tr', {}, el('th', {}, label), el('td', {}, value));
  }

  // show fills the panel from a record (GeoJSON properties), its kind (from
  // /api/v1/registry/kinds), a division-name lookup and the point's state.
  function show(p, kind, divisionName, state) {
    current = p;
    panel.hidden = false;
    title.textContent = p.name;
    kindEl.textContent = Y.label(kind) + ' · ' + optionLabel(kind.categories, p[kind.category_field]);
    const rows = [
      row(kind.code_label && Y.lang !== 'en' ? kind.code_label : t('attr.code'), p.code),
      row(t('attr.status'), optionLabel(kind.statuses, p.status)),
      row(t('attr.division'), divisionName(p.division_code) || p.division_code),
    ];
    if (state) rows.push(row(t('attr.state'), t('pointstate.' + state)));
    for (const f of kind.fields || []) {
      const name = f.Name || f.name;
      if (p[name] === undefined || p[name] === null || HIDDEN[name]) continue;
      const label = Y.lang === 'en' ? (f.LabelEn || name) : (f.Label || name);
      rows.push(row(label, fmt(p[name]) + (f.Unit ? ' ' + f.Unit : '')));
    }
    rows.push(row(t('attr.position'), Y.num(p.lon) + ', ' + Y.num(p.lat)));
    rows.push(row(t('attr.updated'), fmt(p.updated_at)));
    attrs.replaceChildren.apply(attrs, rows);
    latestEl.hidden = true;
    chartEl.hidden = true;
    if (chart) { chart.dispose(); chart = null; }
    if (p.registry_kind === 'monitoring_point' || kind.path === 'monitoring-points') readings(p);
  }

  async function readings(p) {
    const to = new Date();
    const from = new Date(to.getTime() - 24 * 3600 * 1000);
    latestEl.hidden = false;
    latestEl.textContent = t('common.loading');
    let s;
    try {
      s = await api('/api/v1/monitoring-points/' + encodeURIComponent(p.code) + '/readings?from=' +
        encodeURIComponent(from.toISOString()) + '&to=' + encodeURIComponent(to.toISOString()));
    } catch (e) {
      if (current === p) latestEl.textContent = e.status === 404 ? t('detail.noreadings') : t('error.generic', { detail: e.message });
      return;
    }
    if (current !== p) return;
    setLatest(s.latest, s.unit || p.unit);
    const data = (s.items || []).map(function (i) {
      const v = i.value !== undefined ? i.value : i.mean;
      return [i.ts, v === undefined ? null : v];
    });
    chartEl.hidden = false;
    chart = echarts.init(chartEl);
    chart.setOption({
      animation: false,
      title: { text: t('detail.chart24h'), textStyle: { fontSize: 12 } },
      grid: { left: 48, right: 12, top: 30, bottom: 28 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'time', axisLabel: { formatter: function (v) { return Y.hour(v); } } },
      yAxis: { type: 'value', name: s.unit || p.unit || '', scale: true },
      series: [{ type: 'line', showSymbol: false, data: data, lineStyle: { width: 1.5 } }],
      graphic: data.length ? [] : [{ type: 'text', left: 'center', top: 'middle', style: { text: t('detail.nodata'), fill: '#888' } }],
    });
  }

  function setLatest(l, unit) {
    if (!l) { latestEl.textContent = t('detail.nodata'); return; }
    latestEl.replaceChildren(
      el('span', { class: 'label' }, t('detail.latest')),
      el('strong', { class: 'value' }, Y.num(l.value), ' ', unit || ''),
      el('time', {}, Y.time(l.ts)));
  }

  // latest takes live values from the feed and refreshes the shown point.
  function latest(items) {
    if (!current || latestEl.hidden) return;
    for (const i of items || []) {
      if (i.point === current.code) setLatest({ value: i.value, ts: i.ts }, i.unit || current.unit);
    }
  }

  window.YDetail = { show: show, close: close, latest: latest, resize: function () { if (chart) chart.resize(); } };
})();
