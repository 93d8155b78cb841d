// dashboard.js: the big-screen dashboard (驾驶舱): sensors online against
// the 95 % goal, open alarms by level and by county, resources by county.
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
  const countyOf = function (code) { return String(code || '').slice(0, 6); };

  // drawAlarms shows the open alarms: the counts, by level and by county.
  function drawAlarms(alarms, counties) {
    document.getElementById('kpi-open').textContent = Y.num(alarms.length);
    document.getElementById('kpi-overdue').textContent = Y.num(alarms.filter(function (a) { return a.overdue; }).length);
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
        try { drawAlarms((await api('/api/v1/alarms?state=open&limit=5000')).items || [], counties); } catch (e) { /* keep the last picture */ }
      }, 1000);
    });
  }

  async function main() {
    const [divs, points, enterprises, teams, warehouses, shelters] = await Promise.all([
      api('/api/v1/divisions?level=county'), geo('monitoring-points'), geo('enterprises'),
      geo('rescue-teams'), geo('warehouses'), geo('shelters')]);
    let alarms = [];
    let live = true;
    try { alarms = (await api('/api/v1/alarms?state=open&limit=5000')).items || []; } catch (e) { live = false; }
    const counties = (divs.items || divs || []).map(function (d) { return { code: d.code, name: d.name }; });
    const stale = new Set(alarms.filter(function (a) { return a.kind === 'stale'; }).map(function (a) { return a.point; }));
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
    window.yingjiDashboard = { ready: true, charts: charts.length };
    if (live) follow(counties);
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
