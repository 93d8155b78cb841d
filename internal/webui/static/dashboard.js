// dashboard.js: the big-screen dashboard (驾驶舱): sensors online against
// the 95 % goal, open and overdue alarms, alarms today by level, county
// and industry, geohazard points under warning, open incidents, active
// warnings and resources by county — live (SSE for alarms, a minute's
// polling for the rest).
(function () {
  'use strict';
  const { t, api } = Y;
  const LEVELS = ['red', 'orange', 'yellow', 'blue'];
  const COLORS = { red: '#e03131', orange: '#f76707', yellow: '#f0c419', blue: '#1971c2' };
  const TEXT = { color: '#d6e4ff' };
  const charts = [];

  function chart(id, option) {
    const c = echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
    c.setOption(Object.assign({ backgroundColor: 'transparent', textStyle: TEXT, animation: false }, option));
    charts.push(c);
    return c;
  }

  function title(text) { return { text: text, left: 10, top: 6, textStyle: { color: '#91a7ff', fontSize: 14 } }; }

  async function geo(path) {
    const fc = await api('/api/v1/' + path + '?format=geojson&limit=5000');
    return fc.features.map(function (f) { return f.properties; });
  }

  let byLevel = null;
  let byCounty = null;
  let byIndustry = null;
  let industries = [];
  const countyOf = function (code) { return String(code || '').slice(0, 6); };

  // midnight is the start of today in Asia/Shanghai (UTC+8, no daylight
  // saving), as an RFC 3339 UTC time for the API's from= filter.
  function midnight(now) {
    const day = 24 * 3600 * 1000;
    const off = 8 * 3600 * 1000;
    return new Date(Math.floor((now + off) / day) * day - off).toISOString();
  }

  async function loadAlarms() {
    const [open, today] = await Promise.all([api('/api/v1/alarms?state=open&limit=5000'),
      api('/api/v1/alarms?from=' + encodeURIComponent(midnight(Date.now())) + '&limit=5000')]);
    return { open: open.items || [], today: today.items || [] };
  }

  // drawAlarms shows the open and overdue alarm counts, and the alarms
  // raised today (any state) by level, by county and by industry.
  function drawAlarms(al, counties) {
    const alarms = al.today;
    document.getElementById('kpi-open').textContent = Y.num(al.open.length);
    document.getElementById('kpi-overdue').textContent = Y.num(al.open.filter(function (a) { return a.overdue; }).length);
    byLevel = byLevel || chart('chart-level', {});
    byLevel.setOption({
      title: title(t('dash.bylevel')),
      tooltip: { trigger: 'item' },
      series: [{ type: 'pie', radius: ['40%', '65%'], center: ['50%', '58%'], label: { color: '#d6e4ff' },
        data: LEVELS.map(function (l) {
          return { name: t('level.' + l), value: alarms.filter(function (a) { return a.level === l; }).length, itemStyle: { color: COLORS[l] } };
        }) }],
    });
    byCounty = byCounty || chart('chart-county', {});
    byCounty.setOption({
      title: title(t('dash.bycounty')),
      tooltip: { trigger: 'axis' },
      legend: { top: 6, right: 10, textStyle: TEXT },
      grid: { left: 40, right: 16, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: counties.map(function (c) { return c.name; }), axisLabel: { color: '#d6e4ff' } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#d6e4ff' }, splitLine: { lineStyle: { color: '#1f3e7a' } } },
      series: LEVELS.map(function (l) {
        return { type: 'bar', stack: 'a', name: t('level.' + l), itemStyle: { color: COLORS[l] },
          data: counties.map(function (c) { return alarms.filter(function (a) { return a.level === l && countyOf(a.division_code) === c.code; }).length; }) };
      }),
    });
    // Industries with alarms today, the most first; alarms of points not
    // tied to an enterprise count under "no industry".
    const counts = new Map();
    for (const a of alarms) counts.set(a.industry || '', (counts.get(a.industry || '') || 0) + 1);
    const rows = [...counts.entries()].sort(function (x, y) { return y[1] - x[1] || x[0].localeCompare(y[0]); });
    const name = function (v) {
      if (!v) return t('dash.industry.none');
      const c = industries.find(function (o) { return o.Value === v; });
      return c ? Y.label(c) : v;
    };
    byIndustry = byIndustry || chart('chart-industry', {});
    byIndustry.setOption({
      title: title(t('dash.byindustry')),
      tooltip: { trigger: 'axis' },
      grid: { left: 110, right: 24, top: 40, bottom: 20 },
      xAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#d6e4ff' }, splitLine: { lineStyle: { color: '#1f3e7a' } } },
      yAxis: { type: 'category', inverse: true, data: rows.map(function (r) { return name(r[0]); }), axisLabel: { color: '#d6e4ff', width: 100, overflow: 'truncate' } },
      series: [{ type: 'bar', barMaxWidth: 26, name: t('dash.byindustry'), itemStyle: { color: '#4dabf7' }, label: { show: true, position: 'right', color: '#d6e4ff' },
        data: rows.map(function (r) { return { value: r[1], industry: r[0] }; }) }],
    }, { replaceMerge: ['series', 'yAxis'] });
  }

  // follow redraws the alarm charts when the live feed reports a change.
  function follow(counties) {
    let pending = false;
    const es = new EventSource('/api/v1/events');
    es.addEventListener('alarm', function () {
      if (pending) return;
      pending = true;
      setTimeout(async function () {
        pending = false;
        try { drawAlarms(await loadAlarms(), counties); } catch (e) { /* keep the last picture */ }
      }, 1000);
    });
  }

  // The other areas' figures: geohazard points under warning from the live
  // landslide evaluator, open incidents and active warnings. A figure the
  // user may not read (403) or the server does not run (404) is removed;
  // any other error keeps the last value. They refresh every minute.
  const LIVE = {
    geohazard: { path: '/api/v1/models/landslide/live', value: function (r) {
      const c = r.counts || {};
      document.getElementById('kpi-geohazard-levels').replaceChildren(...LEVELS.filter(function (l) { return c[l]; }).map(function (l) {
        return Y.el('span', { class: 'lv', style: 'color:' + COLORS[l], 'data-level': l }, t('level.' + l) + ' ' + Y.num(c[l]));
      }));
      return LEVELS.reduce(function (n, l) { return n + (c[l] || 0); }, 0);
    } },
    incidents: { path: '/api/v1/incidents?status=open&limit=1', value: function (r) { return r.total; } },
    warnings: { path: '/api/v1/warnings?view=active&limit=1', value: function (r) { return r.total; } },
  };
  const live = {};
  async function refreshLive() {
    await Promise.all(Object.keys(LIVE).map(async function (k) {
      const card = document.getElementById('kpi-' + k + '-card');
      if (!card) return;
      try {
        const n = LIVE[k].value(await api(LIVE[k].path, { noRedirect: true }));
        live[k] = n;
        document.getElementById('kpi-' + k).textContent = Y.num(n);
      } catch (e) {
        if (e.status === 403 || e.status === 404) { card.remove(); live[k] = null; }
      }
    }));
  }

  async function main() {
    const [divs, points, enterprises, teams, warehouses, shelters, kinds] = await Promise.all([
      api('/api/v1/divisions?level=county'), geo('monitoring-points'), geo('enterprises'),
      geo('rescue-teams'), geo('warehouses'), geo('shelters'), api('/api/v1/registry/kinds')]);
    const ent = (kinds.items || []).find(function (k) { return k.path === 'enterprises'; });
    industries = (ent && ent.categories) || [];
    let alarms = { open: [], today: [] };
    let following = true;
    try { alarms = await loadAlarms(); } catch (e) { following = false; }
    const counties = (divs.items || divs || []).map(function (d) { return { code: d.code, name: d.name }; });
    const stale = new Set(alarms.open.filter(function (a) { return a.kind === 'stale'; }).map(function (a) { return a.point; }));
    const online = points.filter(function (p) { return p.status === 'active' && !stale.has(p.code); }).length;
    const rate = points.length ? (online / points.length) * 100 : 0;
    document.getElementById('kpi-online').textContent = Y.num(Math.round(rate * 10) / 10) + ' %';
    document.getElementById('kpi-points').textContent = Y.num(points.length);
    document.getElementById('kpi-enterprises').textContent = Y.num(enterprises.length);

    chart('chart-online', {
      title: title(t('dash.online')),
      series: [{ type: 'gauge', min: 0, max: 100, center: ['50%', '60%'], radius: '80%',
        axisLine: { lineStyle: { width: 14, color: [[0.95, '#f76707'], [1, '#2b8a3e']] } },
        axisLabel: { color: '#91a7ff' }, detail: { formatter: '{value} %', color: '#4dabf7', fontSize: 22, offsetCenter: [0, '70%'] },
        title: { color: '#91a7ff', offsetCenter: [0, '95%'] }, data: [{ value: Math.round(rate * 10) / 10, name: t('dash.goal') }] }],
    });
    drawAlarms(alarms, counties);
    const res = [['rescue-teams', teams], ['warehouses', warehouses], ['shelters', shelters]];
    chart('chart-resources', {
      title: title(t('dash.resources')),
      tooltip: { trigger: 'axis' },
      legend: { top: 6, right: 10, textStyle: TEXT },
      grid: { left: 40, right: 16, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: counties.map(function (c) { return c.name; }), axisLabel: { color: '#d6e4ff' } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#d6e4ff' }, splitLine: { lineStyle: { color: '#1f3e7a' } } },
      series: res.map(function (r) {
        return { type: 'bar', name: t('layer.' + r[0]), data: counties.map(function (c) { return r[1].filter(function (p) { return countyOf(p.division_code) === c.code; }).length; }) };
      }),
    });
    await refreshLive();
    setInterval(refreshLive, 60000);
    window.yingjiDashboard = { ready: true, charts: charts.length, live: live };
    if (following) follow(counties);
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  main().catch(function (e) { document.querySelector('.kpis').append(Y.t('error.generic', { detail: e.message })); });

  // dutyNow shows the duty teams on duty now (值班值守) in the KPI bar; a
  // role without the duty roster sees the card removed.
  async function dutyNow() {
    const box = document.getElementById('duty-now-dash');
    let res;
    try { res = await api('/api/v1/duty/now'); } catch (e) { document.getElementById('kpi-duty').remove(); return; }
    const who = function (m) { return m.name || m.username; };
    box.replaceChildren(...(res.items.length ? res.items.map(function (team) {
      const s = team.shift;
      return Y.el('div', { 'data-division': team.division_code }, team.division_name + ' ' + s.name + '：' + who(s.leader) + ' / ' +
        s.officers.map(who).join('、') + (s.phone ? ' ☎ ' + s.phone : ''));
    }) : [t('dash.duty.none')]));
    window.yingjiDuty = { ready: true, teams: res.items.length };
  }
  dutyNow();
})();
