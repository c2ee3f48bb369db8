// The graph explorer on /{model}/graph/{slug}: draws the link graph (layers × positions) as SVG, shows a node's edges on
// hover and click, its dashboard in the side panel, pins nodes, groups them into supernodes, draws the subgraph of pinned
// nodes, steers pinned features (POST /api/graph/steer), and keeps the view in the URL as circuit-tracer's qParams
// (pinnedIds, supernodes, clickedId), so a link shares it.
const root = document.querySelector('[data-graph-explorer]');
const SVG = 'http://www.w3.org/2000/svg';
const field = name => root.querySelector(`[data-field="${name}"]`);

const model = root?.dataset.model;
const transcoders = root ? JSON.parse(root.dataset.transcoders || '{}') : {};
const state = { pinned: [], supernodes: [], clickedId: '', hoveredId: '' };
let graph = null;
const nodes = new Map();      // node_id → node (with x, y, row, label, kind)
const incoming = new Map();   // node_id → [{ other, weight }]
const outgoing = new Map();

function svg(tag, attrs = {}, parent = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

function kindOf(n) {
  const t = n.feature_type ?? '';
  if (t === 'embedding') return 'embedding';
  if (t === 'logit') return 'logit';
  if (t.includes('error')) return 'error';
  return 'feature';
}

// Feature node "{layer}_{index}_{pos}" → its layer and index.
function featureOf(n) {
  const parts = String(n.node_id).split('_');
  if (parts.length !== 3) return null;
  const layer = Number(parts[0]);
  const index = Number(parts[1]);
  return Number.isInteger(layer) && Number.isInteger(index) && index >= 0 ? { layer, index } : null;
}

function labelOf(n) {
  if (n.clerp) return n.clerp;
  const tokens = graph.metadata.prompt_tokens;
  switch (n.kind) {
    case 'embedding': return `Emb: "${tokens[n.ctx_idx] ?? ''}"`;
    case 'error': return `Error L${n.layer}`;
    case 'logit': return `Logit ${n.node_id}`;
    default: {
      const f = featureOf(n);
      return f ? `L${f.layer} #${f.index}` : n.node_id;
    }
  }
}

function readUrl() {
  const q = new URLSearchParams(location.search);
  const fromUrl = q.has('pinnedIds') || q.has('supernodes') || q.has('clickedId');
  const qp = graph.qParams ?? {};
  const pinned = fromUrl ? (q.get('pinnedIds') ?? '').split(',').filter(Boolean) : (qp.pinnedIds ?? []);
  let supernodes = qp.supernodes ?? [];
  if (fromUrl) {
    try { supernodes = JSON.parse(q.get('supernodes') || '[]'); } catch { supernodes = []; }
  }
  state.pinned = pinned.filter(id => nodes.has(id));
  state.supernodes = (Array.isArray(supernodes) ? supernodes : [])
    .filter(s => Array.isArray(s) && typeof s[0] === 'string')
    .map(s => [s[0], ...s.slice(1).filter(id => nodes.has(id))]);
  const clicked = fromUrl ? q.get('clickedId') : qp.clickedId;
  state.clickedId = clicked && nodes.has(clicked) ? clicked : '';
}

function writeUrl() {
  const q = new URLSearchParams(location.search);
  q.set('pinnedIds', state.pinned.join(','));
  q.set('supernodes', JSON.stringify(state.supernodes));
  q.set('clickedId', state.clickedId);
  q.set('linkType', 'both');
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

// Rows: embeddings at the bottom, then each block, logits on top; columns: prompt positions, each as wide as its
// busiest cell needs.
function layout() {
  const rowOf = n => n.kind === 'embedding' ? 0 : n.kind === 'logit' ? null : Number(n.layer) + 1;
  let top = 1;
  for (const n of nodes.values()) {
    const r = rowOf(n);
    if (r !== null && Number.isFinite(r)) top = Math.max(top, r + 1);
  }
  const cells = new Map();
  for (const n of nodes.values()) {
    n.row = n.kind === 'logit' ? top : (Number.isFinite(rowOf(n)) ? rowOf(n) : 0);
    const key = `${n.row}:${n.ctx_idx}`;
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key).push(n);
  }
  const positions = Math.max(graph.metadata.prompt_tokens.length, ...[...nodes.values()].map(n => n.ctx_idx + 1));
  const widest = new Array(positions).fill(1);
  for (const [key, list] of cells) widest[Number(key.split(':')[1])] = Math.max(widest[Number(key.split(':')[1])], list.length);
  const step = 14, rowHeight = 44, left = 70, bottom = 50;
  const xs = [];
  let x = left;
  // A column is as wide as its nodes need and as its token's label (11 px monospace: about 6.7 px a character).
  const labelWidth = p => (tokenText(graph.metadata.prompt_tokens[p] ?? '').length * 6.7) + 12;
  for (let p = 0; p < positions; p++) { xs.push(x); x += Math.max(70, widest[p] * step + 16, labelWidth(p)); }
  const height = (top + 1) * rowHeight + bottom;
  for (const list of cells.values()) {
    list.sort((a, b) => (b.influence ?? 0) - (a.influence ?? 0) || String(a.node_id).localeCompare(String(b.node_id)));
    list.forEach((n, i) => {
      n.x = xs[n.ctx_idx] + 10 + i * step;
      n.y = height - bottom - n.row * rowHeight - rowHeight / 2;
    });
  }
  return { width: x + 20, height, xs, top, rowHeight, bottom, positions };
}

/** A token as its label shows it: escapes (\n, \t) visible, no quotes. */
function tokenText(token) {
  return JSON.stringify(token).slice(1, -1);
}

let edgeLayer = null;

function drawGraph() {
  const el = root.querySelector('[data-testid="link-graph"]');
  el.replaceChildren();
  const g = layout();
  el.setAttribute('width', g.width);
  el.setAttribute('height', g.height);
  el.setAttribute('viewBox', `0 0 ${g.width} ${g.height}`);
  const axes = svg('g', { class: 'axes' }, el);
  for (let r = 0; r <= g.top; r++) {
    const y = g.height - g.bottom - r * g.rowHeight - g.rowHeight / 2;
    svg('line', { x1: 60, x2: g.width - 10, y1: y, y2: y, class: 'row-line' }, axes);
    const t = svg('text', { x: 4, y: y + 4, class: 'row-label' }, axes);
    t.textContent = r === 0 ? 'Emb' : r === g.top ? 'Logit' : `L${r - 1}`;
  }
  graph.metadata.prompt_tokens.forEach((token, p) => {
    if (g.xs[p] === undefined) return;
    const t = svg('text', { x: g.xs[p] + 4, y: g.height - 18, class: 'token-label' }, axes);
    t.textContent = tokenText(token);
  });
  edgeLayer = svg('g', { class: 'edges' }, el);
  const nodeLayer = svg('g', { class: 'nodes' }, el);
  for (const n of nodes.values()) {
    const shape = n.kind === 'error'
      ? svg('rect', { x: n.x - 4.5, y: n.y - 4.5, width: 9, height: 9 }, nodeLayer)
      : svg('circle', { cx: n.x, cy: n.y, r: n.kind === 'feature' ? 5 : 6.5 }, nodeLayer);
    shape.setAttribute('class', `node ${n.kind}`);
    shape.dataset.nodeId = n.node_id;
    svg('title', {}, shape).textContent = n.label;
    n.el = shape;
    shape.addEventListener('mouseenter', () => { state.hoveredId = n.node_id; drawEdges(); });
    shape.addEventListener('mouseleave', () => { state.hoveredId = ''; drawEdges(); });
    shape.addEventListener('click', e => {
      if (e.shiftKey) togglePin(n.node_id);
      else select(n.node_id);
    });
  }
}

// The hovered node's edges, else the clicked node's: blue for positive weights, red for negative, width by |weight|.
function drawEdges() {
  if (!edgeLayer) return;
  edgeLayer.replaceChildren();
  const id = state.hoveredId || state.clickedId;
  for (const n of nodes.values()) {
    n.el.classList.toggle('pinned', state.pinned.includes(n.node_id));
    n.el.classList.toggle('clicked', n.node_id === state.clickedId);
    n.el.classList.toggle('hovered', n.node_id === state.hoveredId);
    n.el.classList.remove('linked');
  }
  if (!id) return;
  const node = nodes.get(id);
  const edges = [...(incoming.get(id) ?? []).map(e => ({ from: e.other, to: id, weight: e.weight })),
                 ...(outgoing.get(id) ?? []).map(e => ({ from: id, to: e.other, weight: e.weight }))];
  edges.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  const shown = edges.slice(0, 300);
  const largest = Math.max(1e-12, ...shown.map(e => Math.abs(e.weight)));
  for (const e of shown) {
    const a = nodes.get(e.from), b = nodes.get(e.to);
    svg('line', {
      x1: a.x, y1: a.y, x2: b.x, y2: b.y,
      class: `edge ${e.weight >= 0 ? 'positive' : 'negative'}`,
      'stroke-width': (0.6 + 3.4 * Math.abs(e.weight) / largest).toFixed(2),
      'data-edge': `${e.from}>${e.to}`,
    }, edgeLayer);
    (e.from === id ? b : a).el.classList.add('linked');
  }
  edgeLayer.dataset.count = String(shown.length);
  edgeLayer.dataset.nodeId = node.node_id;
}

function select(id) {
  state.clickedId = state.clickedId === id ? '' : id;
  writeUrl();
  drawEdges();
  drawPanel();
}

function togglePin(id) {
  const i = state.pinned.indexOf(id);
  if (i >= 0) {
    state.pinned.splice(i, 1);
    state.supernodes = state.supernodes.map(s => s.filter((m, k) => k === 0 || m !== id)).filter(s => s.length > 1);
  } else {
    state.pinned.push(id);
  }
  writeUrl();
  drawEdges();
  drawPanel();
  drawSubgraph();
}

function edgeRows(tbody, list) {
  tbody.replaceChildren();
  const sorted = [...list].sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight)).slice(0, 25);
  if (sorted.length === 0) {
    const tr = document.createElement('tr');
    tr.innerHTML = '<td class="muted">none</td>';
    tbody.appendChild(tr);
  }
  for (const e of sorted) {
    const other = nodes.get(e.other);
    const tr = document.createElement('tr');
    const name = document.createElement('td');
    const link = document.createElement('a');
    link.href = '#';
    link.textContent = other.label;
    link.title = other.node_id;
    link.addEventListener('click', ev => { ev.preventDefault(); select(other.node_id); });
    name.appendChild(link);
    const w = document.createElement('td');
    w.className = e.weight >= 0 ? 'num positive' : 'num negative';
    w.textContent = e.weight.toPrecision(3);
    tr.append(name, w);
    tbody.appendChild(tr);
  }
}

function featurePage(n) {
  const f = featureOf(n);
  const sae = f ? transcoders[String(f.layer)] : undefined;
  return n.kind === 'feature' && sae ? `/${encodeURIComponent(model)}/${encodeURIComponent(sae)}/${f.index}` : null;
}

function drawPanel() {
  const id = state.clickedId;
  field('panel-empty').hidden = !!id;
  field('panel-body').hidden = !id;
  const frame = field('feature-frame');
  const link = field('feature-link');
  if (!id) { frame.hidden = true; frame.removeAttribute('src'); return; }
  const n = nodes.get(id);
  field('node-title').textContent = n.label;
  const tokens = graph.metadata.prompt_tokens;
  const facts = [`${n.kind}`, `id ${n.node_id}`, `layer ${n.layer}`, `position ${n.ctx_idx} ${JSON.stringify(tokens[n.ctx_idx] ?? '')}`];
  if (typeof n.activation === 'number') facts.push(`activation ${n.activation.toPrecision(4)}`);
  if (typeof n.influence === 'number') facts.push(`influence ${n.influence.toPrecision(3)}`);
  if (typeof n.token_prob === 'number') facts.push(`p ${n.token_prob.toPrecision(3)}`);
  field('node-facts').textContent = facts.join(' · ');
  root.querySelector('[data-action="pin"]').textContent = state.pinned.includes(id) ? 'Unpin' : 'Pin';
  edgeRows(field('incoming'), incoming.get(id) ?? []);
  edgeRows(field('outgoing'), outgoing.get(id) ?? []);
  const page = featurePage(n);
  link.hidden = !page;
  frame.hidden = !page;
  if (page) {
    link.href = page;
    const src = `${page}?embed=true`;
    if (frame.getAttribute('src') !== src) frame.setAttribute('src', src);
  } else {
    frame.removeAttribute('src');
  }
}

// Pinned nodes and supernodes, and the subgraph among them: a supernode stands for its members, and an edge between two
// shown items sums the links between their members.
function drawSubgraph() {
  const list = field('pinned');
  list.replaceChildren();
  field('no-pins').hidden = state.pinned.length > 0;
  const grouped = new Map();
  state.supernodes.forEach((s, i) => s.slice(1).forEach(id => grouped.set(id, i)));
  for (const id of state.pinned) {
    const n = nodes.get(id);
    const li = document.createElement('li');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = id;
    box.dataset.testid = 'pinned-item';
    const label = document.createElement('label');
    label.append(box, ` ${n.label}`);
    if (grouped.has(id)) label.append(` (in "${state.supernodes[grouped.get(id)][0]}")`);
    li.appendChild(label);
    list.appendChild(li);
  }
  const supers = field('supernodes');
  supers.replaceChildren();
  state.supernodes.forEach((s, i) => {
    const li = document.createElement('li');
    li.dataset.testid = 'supernode';
    li.textContent = `${s[0]}: ${s.slice(1).map(id => nodes.get(id)?.label ?? id).join(', ')} `;
    const ungroup = document.createElement('button');
    ungroup.type = 'button';
    ungroup.className = 'small';
    ungroup.textContent = 'Ungroup';
    ungroup.addEventListener('click', () => { state.supernodes.splice(i, 1); writeUrl(); drawSubgraph(); });
    li.appendChild(ungroup);
    supers.appendChild(li);
  });

  const el = root.querySelector('[data-testid="subgraph-svg"]');
  el.replaceChildren();
  const items = [];
  const itemOf = new Map();
  state.supernodes.forEach((s, i) => {
    const members = s.slice(1).filter(id => nodes.has(id));
    if (members.length === 0) return;
    const item = { label: s[0], members, supernode: true };
    items.push(item);
    members.forEach(id => itemOf.set(id, item));
  });
  for (const id of state.pinned) {
    if (itemOf.has(id)) continue;
    const item = { label: nodes.get(id).label, members: [id], supernode: false };
    items.push(item);
    itemOf.set(id, item);
  }
  drawSteerFeatures();
  if (items.length === 0) { el.setAttribute('height', 0); return; }
  for (const item of items) {
    item.row = Math.max(...item.members.map(id => nodes.get(id).row));
    item.pos = item.members.reduce((s, id) => s + nodes.get(id).ctx_idx, 0) / item.members.length;
  }
  const rows = [...new Set(items.map(i => i.row))].sort((a, b) => b - a);
  const boxW = 150, boxH = 34, gapY = 70, width = 760;
  rows.forEach((r, k) => {
    const inRow = items.filter(i => i.row === r).sort((a, b) => a.pos - b.pos);
    inRow.forEach((item, j) => { item.x = 10 + (j + 0.5) * (width - 20) / inRow.length; item.y = 20 + k * gapY + boxH / 2; });
  });
  const height = 20 + rows.length * gapY;
  el.setAttribute('width', width);
  el.setAttribute('height', height);
  el.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const sums = new Map();
  for (const link of graph.links) {
    const a = itemOf.get(link.source), b = itemOf.get(link.target);
    if (!a || !b || a === b) continue;
    const key = items.indexOf(a) + '>' + items.indexOf(b);
    sums.set(key, (sums.get(key) ?? 0) + link.weight);
  }
  const largest = Math.max(1e-12, ...[...sums.values()].map(Math.abs));
  const edgeGroup = svg('g', {}, el);
  for (const [key, weight] of sums) {
    const [a, b] = key.split('>').map(Number).map(i => items[i]);
    const line = svg('line', {
      x1: a.x, y1: a.y, x2: b.x, y2: b.y,
      class: `edge ${weight >= 0 ? 'positive' : 'negative'}`,
      'stroke-width': (0.8 + 4 * Math.abs(weight) / largest).toFixed(2),
    }, edgeGroup);
    svg('title', {}, line).textContent = `${a.label} → ${b.label}: ${weight.toPrecision(3)}`;
  }
  for (const item of items) {
    const g = svg('g', { class: item.supernode ? 'sub-item supernode' : 'sub-item', 'data-testid': item.supernode ? 'subgraph-supernode' : 'subgraph-node' }, el);
    svg('rect', { x: item.x - boxW / 2, y: item.y - boxH / 2, width: boxW, height: boxH, rx: item.supernode ? 10 : 4 }, g);
    const t = svg('text', { x: item.x, y: item.y + 4, 'text-anchor': 'middle' }, g);
    t.textContent = item.label.length > 24 ? item.label.slice(0, 23) + '…' : item.label;
    svg('title', {}, g).textContent = item.supernode ? `${item.label} (${item.members.length} nodes)` : item.label;
  }
}

function drawSteerFeatures() {
  const body = field('steer-features');
  const previous = new Map([...body.querySelectorAll('tr')].map(tr => [tr.dataset.nodeId, tr]));
  body.replaceChildren();
  for (const id of state.pinned) {
    const n = nodes.get(id);
    if (n.kind !== 'feature' || !featureOf(n)) continue;
    const tr = previous.get(id) ?? document.createElement('tr');
    if (!previous.has(id)) {
      tr.dataset.nodeId = id;
      tr.innerHTML = '<td></td><td><input type="checkbox" data-field="ablate" /></td><td><input type="number" step="0.5" value="-1" data-field="multiplier" /></td>';
      tr.firstChild.textContent = n.label;
    }
    body.appendChild(tr);
  }
  if (!body.children.length) {
    const tr = document.createElement('tr');
    tr.innerHTML = '<td colspan="3" class="muted">Pin feature nodes to steer them.</td>';
    body.appendChild(tr);
  }
}

async function steer() {
  const error = field('steer-error');
  const result = field('steer-result');
  error.hidden = true;
  const features = [...field('steer-features').querySelectorAll('tr[data-node-id]')].map(tr => {
    const n = nodes.get(tr.dataset.nodeId);
    const f = featureOf(n);
    const ablate = tr.querySelector('[data-field="ablate"]').checked;
    const multiplier = Number(tr.querySelector('[data-field="multiplier"]').value);
    return {
      layer: f.layer, index: f.index, token_active_position: n.ctx_idx, steer_position: n.ctx_idx, steer_generated_tokens: false,
      delta: ablate ? null : multiplier * (n.activation ?? 0), ablate,
    };
  });
  if (features.length === 0) { error.textContent = 'Pin at least one feature node to steer.'; error.hidden = false; return; }
  result.textContent = 'Steering…';
  const body = {
    modelId: model, prompt: graph.metadata.prompt, features,
    nTokens: Number(field('steer-tokens').value), topK: Number(field('steer-topk').value),
    freezeAttention: field('steer-freeze').checked, temperature: 0, freqPenalty: 0, seed: 16,
  };
  try {
    const response = await fetch('/api/graph/steer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = await response.json().catch(() => null);
    if (!response.ok) {
      result.textContent = '';
      error.textContent = response.status === 404 && !json?.detail
        ? 'Graph steering is not available on this site (POST /api/graph/steer answered 404).'
        : (json?.detail ?? json?.title ?? `Steering failed (HTTP ${response.status}).`);
      error.hidden = false;
      return;
    }
    drawSteerResult(json);
  } catch (e) {
    result.textContent = '';
    error.textContent = `Steering failed: ${e.message}`;
    error.hidden = false;
  }
}

// Default and steered generations side by side, each generated token with its top logits.
function drawSteerResult(json) {
  const result = field('steer-result');
  result.replaceChildren();
  const table = document.createElement('table');
  table.className = 'steer-logits';
  table.innerHTML = '<thead><tr><th>#</th><th>Default</th><th>Steered</th></tr></thead>';
  const tbody = document.createElement('tbody');
  const d = json.DEFAULT_LOGITS_BY_TOKEN ?? [], s = json.STEERED_LOGITS_BY_TOKEN ?? [];
  const cell = entry => {
    const td = document.createElement('td');
    if (!entry) return td;
    const token = document.createElement('strong');
    token.textContent = JSON.stringify(entry.token);
    td.appendChild(token);
    const list = document.createElement('div');
    list.className = 'small muted';
    list.textContent = (entry.top_logits ?? []).map(t => `${JSON.stringify(t.token)} ${(100 * t.prob).toFixed(1)}%`).join(' · ');
    td.appendChild(list);
    return td;
  };
  for (let i = 0; i < Math.max(d.length, s.length); i++) {
    const tr = document.createElement('tr');
    const k = document.createElement('td');
    k.textContent = String(i + 1);
    tr.append(k, cell(d[i]), cell(s[i]));
    tbody.appendChild(tr);
  }
  table.appendChild(tbody);
  const texts = document.createElement('p');
  texts.className = 'small';
  texts.textContent = `Default: ${json.DEFAULT_GENERATION ?? ''} — Steered: ${json.STEERED_GENERATION ?? ''}`;
  result.append(texts, table);
}

async function load() {
  const response = await fetch(root.dataset.jsonUrl, { headers: { accept: 'application/json' } });
  if (!response.ok) {
    field('loading').textContent = `The graph could not be loaded (HTTP ${response.status}).`;
    return;
  }
  graph = await response.json();
  for (const raw of graph.nodes) {
    const n = { ...raw, kind: kindOf(raw) };
    n.label = labelOf(n);
    nodes.set(n.node_id, n);
    incoming.set(n.node_id, []);
    outgoing.set(n.node_id, []);
  }
  for (const link of graph.links) {
    if (!nodes.has(link.source) || !nodes.has(link.target)) continue;
    incoming.get(link.target).push({ other: link.source, weight: link.weight });
    outgoing.get(link.source).push({ other: link.target, weight: link.weight });
  }
  readUrl();
  drawGraph();
  drawEdges();
  drawPanel();
  drawSubgraph();
  field('loading').hidden = true;
  root.dataset.ready = 'true';
}

if (root) {
  root.querySelector('[data-action="pin"]').addEventListener('click', () => { if (state.clickedId) togglePin(state.clickedId); });
  root.querySelector('[data-action="group"]').addEventListener('click', () => {
    const checked = [...field('pinned').querySelectorAll('input:checked')].map(b => b.value);
    const label = field('supernode-label').value.trim();
    if (checked.length === 0 || !label) return;
    state.supernodes = state.supernodes.map(s => s.filter((m, k) => k === 0 || !checked.includes(m))).filter(s => s.length > 1);
    state.supernodes.push([label, ...checked]);
    field('supernode-label').value = '';
    writeUrl();
    drawSubgraph();
  });
  root.querySelector('[data-action="steer"]').addEventListener('click', steer);
  root.querySelector('[data-action="delete-graph"]')?.addEventListener('click', async () => {
    if (!confirm('Delete this graph?')) return;
    const response = await fetch('/api/graph/delete', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ modelId: model, slug: root.dataset.slug }) });
    if (response.ok) location.href = `/${encodeURIComponent(model)}/graph`;
  });
  load();
}
