// The attribution page: POST /api/attribute (streamed: the estimates first, then the exact effects by ablation, which
// take most of the time), then a per-layer bar chart of direct effects (attention heads, MLP and
// SAE features summed per layer) and one sortable table of every component, feature and SAE error term. Each
// feature links to its page. Clicking a column header sorts by it (numbers by size, largest first; again to reverse).
import { article, model, bindForm, postJson, readFrames, visible, diverging, element, fixed } from './circuits-common.js';

const output = article.querySelector('.circuit-output');
const SVG = 'http://www.w3.org/2000/svg';

// The table's order, kept when the exact effects replace the estimates.
let sorted = { key: 'direct', descending: true };

bindForm(async (params, form) => {
  const body = {
    modelId: model, prompt: params.get('prompt'), target: params.get('target'),
    distractor: params.get('distractor') || null, exact_top: Number(params.get('exact_top') ?? 20), stream: true,
  };
  if (params.get('position')) body.position = Number(params.get('position'));
  const saes = params.getAll('sae');
  if (saes.length) body.saes = saes;
  const status = form.querySelector('.status');
  await readFrames(await postJson('/api/attribute', body), (frame) => {
    if (frame.type === 'error') throw new Error(frame.detail);
    const r = frame.result;
    output.replaceChildren(summary(r), chart(r), table(r));
    output.dataset.phase = frame.type;
    if (frame.type === 'estimates') status.textContent = `Measuring the exact effect of the top ${body.exact_top} by ablation…`;
  });
});

function layerOf(name) {
  const head = /^L(\d+)H\d+$/.exec(name);
  if (head) return Number(head[1]);
  const mlp = /^(\d+)_mlp_out$/.exec(name);
  return mlp ? Number(mlp[1]) : null;
}

function summary(r) {
  const versus = r.distractor ? ` − logit(“${visible(r.distractor.token)}”)` : '';
  return element('p', { class: 'circuit-summary', 'data-testid': 'summary' },
    `logit(“${visible(r.target.token)}”)${versus} after “${visible(r.tokens[r.position])}” (position ${r.position}) = `,
    element('strong', { text: fixed(r.logit_diff, 4) }),
    `; the components' direct effects sum to ${fixed(r.component_sum, 4)} `,
    element('span', { class: r.sums_to_logit_diff ? 'ok' : 'problem', text: r.sums_to_logit_diff ? '(equal within 1e-4)' : '(NOT equal within 1e-4)' }));
}

// Direct effect per layer: heads, MLP and SAE features side by side, diverging around zero.
function chart(r) {
  const layers = new Map();
  const at = (l) => {
    if (!layers.has(l)) layers.set(l, { attn: 0, mlp: 0, features: 0 });
    return layers.get(l);
  };
  for (const c of r.components) {
    const l = layerOf(c.name);
    if (l === null) continue;
    if (c.name.startsWith('L')) at(l).attn += c.value;
    else at(l).mlp += c.value;
  }
  for (const f of r.features) if (f.direct !== null) at(f.layer).features += f.direct;
  const keys = [...layers.keys()].sort((a, b) => a - b);
  const series = [['attn', 'attention heads', '#2563eb'], ['mlp', 'MLP', '#d97706'], ['features', 'SAE features', '#059669']];
  const max = Math.max(1e-9, ...keys.flatMap((l) => series.map(([k]) => Math.abs(layers.get(l)[k]))));
  const bar = 12;
  const group = bar * series.length + 14;
  const width = 40 + keys.length * group;
  const height = 180;
  const mid = height / 2;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height + 20}`);
  svg.setAttribute('class', 'layer-chart');
  svg.setAttribute('data-testid', 'layer-chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Direct effect per layer');
  const line = document.createElementNS(SVG, 'line');
  for (const [k, v] of Object.entries({ x1: 30, x2: width, y1: mid, y2: mid, stroke: '#9ca3af' })) line.setAttribute(k, v);
  svg.append(line);
  keys.forEach((l, i) => {
    series.forEach(([k, label, colour], j) => {
      const value = layers.get(l)[k];
      const h = (Math.abs(value) / max) * (mid - 6);
      const rect = document.createElementNS(SVG, 'rect');
      const attributes = { x: 36 + i * group + j * bar, y: value >= 0 ? mid - h : mid, width: bar - 2, height: Math.max(h, 0.5), fill: colour, 'data-layer': l, 'data-series': k };
      for (const [name, v] of Object.entries(attributes)) rect.setAttribute(name, v);
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `layer ${l} ${label}: ${fixed(value, 4)}`;
      rect.append(title);
      svg.append(rect);
    });
    const text = document.createElementNS(SVG, 'text');
    for (const [name, v] of Object.entries({ x: 36 + i * group + (bar * series.length) / 2, y: height + 14, 'text-anchor': 'middle', class: 'axis' })) text.setAttribute(name, v);
    text.textContent = `${l}`;
    svg.append(text);
  });
  const legend = element('p', { class: 'small muted legend' }, 'Direct effect per layer: ');
  for (const [, label, colour] of series) {
    const swatch = element('span', { class: 'swatch', text: '■ ' });
    swatch.style.color = colour;
    legend.append(swatch, `${label}  `);
  }
  legend.append(`(scale ±${fixed(max, 3)}; hover a bar for its value)`);
  return element('figure', { class: 'card' }, svg, legend);
}

const columns = [
  ['node', 'Node', 'text'], ['kind', 'Kind', 'text'], ['layer', 'Layer', 'number'], ['activation', 'Activation', 'number'],
  ['direct', 'Direct effect', 'number'], ['act_times_grad', 'Act × grad', 'number'], ['exact_total', 'Exact (ablation)', 'number'],
];

function rows(r) {
  const list = [];
  for (const c of r.components) {
    const kind = /^L\d+H\d+$/.test(c.name) ? 'head' : c.name.endsWith('_mlp_out') ? 'mlp' : 'other';
    // A head's direct effect split by source position, largest parts first, shown on hover.
    const sources = c.by_source
      ? `${c.name} by source position: ${c.by_source.map((v, s) => [v, s]).filter(([v]) => v !== 0).sort((a, b) => Math.abs(b[0]) - Math.abs(a[0])).slice(0, 8)
        .map(([v, s]) => `${s} “${visible(r.tokens[s])}” ${fixed(v, 4)}`).join(', ')}`
      : null;
    list.push({ node: c.name, kind, layer: layerOf(c.name), activation: null, direct: c.value, act_times_grad: c.act_times_grad, exact_total: c.exact_total, sources });
  }
  for (const f of r.features) {
    list.push({ node: `${f.sae} #${f.index}`, sae: f.sae, index: f.index, kind: 'feature', layer: f.layer, activation: f.activation, direct: f.direct, act_times_grad: f.act_times_grad, exact_total: f.exact_total });
  }
  for (const e of r.sae_errors) list.push({ node: `${e.sae} error`, kind: 'sae error', layer: null, activation: null, direct: e.direct, act_times_grad: e.act_times_grad, exact_total: null });
  return list;
}

function table(r) {
  const data = rows(r);
  const scale = Math.max(1e-9, ...data.map((d) => Math.abs(d.direct ?? 0)));
  const table = element('table', { class: 'grid compact attribution-table', 'data-testid': 'attribution-table' });
  const head = element('tr');
  for (const [key, label, type] of columns) {
    const th = element('th', { scope: 'col', class: type === 'number' ? 'num' : null, 'aria-sort': 'none' });
    th.append(element('button', { type: 'button', class: 'link sort', 'data-key': key, text: label }));
    head.append(th);
  }
  const body = element('tbody');
  table.append(element('thead', {}, head), body);
  function render() {
    const { key, descending } = sorted;
    const type = columns.find((c) => c[0] === key)[2];
    const value = (d) => (type === 'number' ? (d[key] === null ? -Infinity : Math.abs(d[key])) : String(d[key]));
    data.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    });
    body.replaceChildren(...data.map((d) => {
      const name = d.kind === 'feature'
        ? element('a', { href: `/${encodeURIComponent(model)}/${encodeURIComponent(d.sae)}/${d.index}`, 'data-testid': 'feature-link', text: d.node })
        : element('code', { text: d.node, title: d.sources, 'data-testid': d.sources ? 'head-sources' : null });
      const cells = [element('td', {}, name), element('td', { text: d.kind }), element('td', { class: 'num', text: d.layer ?? '–' }),
        element('td', { class: 'num', text: fixed(d.activation, 3) })];
      for (const k of ['direct', 'act_times_grad', 'exact_total']) {
        const td = element('td', { class: 'num', text: fixed(d[k], 4) });
        if (d[k] !== null) td.style.background = diverging(d[k], scale);
        cells.push(td);
      }
      return element('tr', { 'data-kind': d.kind }, ...cells);
    }));
    for (const th of head.children) {
      th.setAttribute('aria-sort', th.firstChild.dataset.key === key ? (descending ? 'descending' : 'ascending') : 'none');
    }
  }
  head.addEventListener('click', (event) => {
    const button = event.target.closest('button.sort');
    if (!button) return;
    const key = button.dataset.key;
    sorted = { key, descending: sorted.key === key ? !sorted.descending : true };
    render();
  });
  render();
  const note = element('p', { class: 'small muted', text: 'Numbers sort by size (largest |value| first); click again to reverse. Direct effects are coloured red (for the target) and blue (for the distractor).' });
  return element('section', { class: 'card' }, element('h2', { text: `${data.length} nodes` }), note, table);
}
