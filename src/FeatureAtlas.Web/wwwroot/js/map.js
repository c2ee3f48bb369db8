// The feature map: a canvas scatter of one or more SAEs' UMAP coordinates, each SAE's own map
// (/api/umap/{model}/{sae}) or one joint map of several SAEs (/api/umap/{model}/joint/{name}). Points are drawn in
// one pass per colour; a uniform grid over the data finds the point under the cursor in O(1) for 25k+ points.
// Wheel zooms about the cursor, drag pans, hover shows the feature and its explanation (fetched once per feature),
// click opens the feature, shift-drag selects a box and can make a list of it.
const root = document.getElementById('map');
const canvas = root?.querySelector('canvas');
const tip = root?.querySelector('.map-tip');
const side = document.querySelector('.map-side');
const palette = ['#ea580c', '#1d4ed8', '#059669', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777'];
const densityColours = ['#1e3a8a', '#1d4ed8', '#0891b2', '#059669', '#65a30d', '#ca8a04', '#ea580c', '#dc2626'];
const MaxListFeatures = 1000;

const state = {
  model: root?.dataset.model, saes: (root?.dataset.saes || '').split('\n').filter(Boolean), joint: root?.dataset.joint || '',
  n: 0, x: null, y: null, sae: null, index: null, density: null,
  view: { scale: 1, dx: 0, dy: 0 }, colour: 'sae', grid: null, selected: [], hover: -1, panels: [],
};
// Separate maps are independent UMAPs whose coordinates do not compare: each gets its own square panel, side by
// side (1 data unit wide, PanelGap apart), rather than one frame where one SAE looks like a blob inside the other.
const PanelGap = 0.15;
const explanations = new Map();

function status(text) { side.querySelector('.status').textContent = text; }

// One map from the API, or null with its error in the status line.
async function fetchMap(url) {
  const response = await fetch(url);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) { status(body.detail || body.title || `Error ${response.status}`); return null; }
  return body;
}

// Each part is one API answer (columns index, x, y, fracNonzero) and the SAE of its points: a position in
// state.saes for an SAE's own map, an array of positions for a joint map.
async function load() {
  const parts = [];
  const m = encodeURIComponent(state.model);
  if (state.joint) {
    const body = await fetchMap(`/api/umap/${m}/joint/${encodeURIComponent(state.joint)}`);
    if (body) { state.saes = body.saes; parts.push({ sae: body.sae, body }); }
  } else {
    for (const [s, sae] of state.saes.entries()) {
      const body = await fetchMap(`/api/umap/${m}/${encodeURIComponent(sae)}`);
      if (body) parts.push({ sae: s, body });
    }
  }
  state.n = parts.reduce((sum, p) => sum + p.body.index.length, 0);
  state.x = new Float32Array(state.n); state.y = new Float32Array(state.n);
  state.sae = new Uint8Array(state.n); state.index = new Int32Array(state.n); state.density = new Float32Array(state.n);
  let o = 0;
  const panelled = !state.joint && parts.length > 1;
  state.panels = [];
  for (const [p, { sae, body }] of parts.entries()) {
    // Panelled: the part's bounding box scaled into [0, 1]², keeping its aspect, shifted right by its panel.
    let place = (x, y) => [x, y];
    if (panelled) {
      let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      for (let i = 0; i < body.index.length; i++) {
        minX = Math.min(minX, body.x[i]); maxX = Math.max(maxX, body.x[i]); minY = Math.min(minY, body.y[i]); maxY = Math.max(maxY, body.y[i]);
      }
      const span = Math.max(maxX - minX, maxY - minY) || 1;
      const left = p * (1 + PanelGap);
      const padX = (1 - (maxX - minX) / span) / 2, padY = (1 - (maxY - minY) / span) / 2;
      place = (x, y) => [left + padX + (x - minX) / span, padY + (y - minY) / span];
      state.panels.push({ sae, x0: left, x1: left + 1 });
    }
    for (let i = 0; i < body.index.length; i++, o++) {
      [state.x[o], state.y[o]] = place(body.x[i], body.y[i]);
      state.sae[o] = typeof sae === 'number' ? sae : sae[i]; state.index[o] = body.index[i];
      state.density[o] = body.fracNonzero ? body.fracNonzero[i] : -1;
    }
  }
  if (state.n === 0) return;
  buildGrid();
  fit();
  legend();
  status(`${state.n.toLocaleString()} features`);
  const focus = root.dataset.focus;
  if (focus !== '' && focus !== undefined) {
    const p = [...state.index.keys()].find((i) => state.sae[i] === 0 && state.index[i] === Number(focus));
    if (p !== undefined) { state.selected = [p]; centreOn(p); }
  }
  draw();
}

// Data-space grid: cell lists of point ids, about 8 points per cell.
function buildGrid() {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < state.n; i++) {
    minX = Math.min(minX, state.x[i]); maxX = Math.max(maxX, state.x[i]);
    minY = Math.min(minY, state.y[i]); maxY = Math.max(maxY, state.y[i]);
  }
  const cellsPerSide = Math.max(1, Math.ceil(Math.sqrt(state.n / 8)));
  const w = (maxX - minX) / cellsPerSide || 1, h = (maxY - minY) / cellsPerSide || 1;
  const cells = Array.from({ length: cellsPerSide * cellsPerSide }, () => []);
  for (let i = 0; i < state.n; i++) {
    const cx = Math.min(cellsPerSide - 1, Math.floor((state.x[i] - minX) / w));
    const cy = Math.min(cellsPerSide - 1, Math.floor((state.y[i] - minY) / h));
    cells[cy * cellsPerSide + cx].push(i);
  }
  state.grid = { minX, minY, maxX, maxY, w, h, side: cellsPerSide, cells };
}

function size() {
  const ratio = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  canvas.width = Math.round(rect.width * ratio); canvas.height = Math.round(rect.height * ratio);
  return { width: rect.width, height: rect.height, ratio };
}

function fit() {
  const { width, height } = canvas.getBoundingClientRect();
  const g = state.grid;
  const scale = 0.92 * Math.min(width / (g.maxX - g.minX || 1), height / (g.maxY - g.minY || 1));
  state.view = { scale, dx: width / 2 - scale * (g.minX + g.maxX) / 2, dy: height / 2 + scale * (g.minY + g.maxY) / 2 };
}

function centreOn(p) {
  const { width, height } = canvas.getBoundingClientRect();
  state.view.scale *= 4;
  state.view.dx = width / 2 - state.view.scale * state.x[p];
  state.view.dy = height / 2 + state.view.scale * state.y[p];
}

const toScreen = (i) => [state.view.dx + state.view.scale * state.x[i], state.view.dy - state.view.scale * state.y[i]];
const toData = (sx, sy) => [(sx - state.view.dx) / state.view.scale, (state.view.dy - sy) / state.view.scale];

function colourOf(i) {
  if (state.colour === 'sae') return palette[state.sae[i] % palette.length];
  const d = state.density[i];
  if (!(d > 0)) return '#c0c4cc';
  const t = Math.max(0, Math.min(0.999, (Math.log10(d) + 5) / 5));   // 1e-5 .. 1
  return densityColours[Math.floor(t * densityColours.length)];
}

function draw(box) {
  const { width, height, ratio } = size();
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const radius = Math.max(1.2, Math.min(4, state.view.scale / 40));
  // Each separate map's panel: a frame a little outside its [0, 1]² box, and its SAE's name above it.
  ctx.font = '12px system-ui, sans-serif';
  for (const panel of state.panels) {
    const m = PanelGap / 4;
    const x0 = state.view.dx + state.view.scale * (panel.x0 - m), x1 = state.view.dx + state.view.scale * (panel.x1 + m);
    const y0 = state.view.dy - state.view.scale * (1 + m), y1 = state.view.dy + state.view.scale * m;
    ctx.strokeStyle = '#e4e7ec';
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    ctx.fillStyle = palette[panel.sae % palette.length];
    ctx.fillText(`${state.saes[panel.sae]} (own UMAP)`, x0 + 4, y0 - 5);
  }
  const buckets = new Map();
  for (let i = 0; i < state.n; i++) {
    const c = colourOf(i);
    let b = buckets.get(c);
    if (!b) buckets.set(c, b = []);
    b.push(i);
  }
  ctx.globalAlpha = 0.75;
  for (const [c, ids] of buckets) {
    ctx.fillStyle = c;
    for (const i of ids) {
      const [sx, sy] = toScreen(i);
      if (sx < -4 || sy < -4 || sx > width + 4 || sy > height + 4) continue;
      ctx.fillRect(sx - radius, sy - radius, 2 * radius, 2 * radius);
    }
  }
  ctx.globalAlpha = 1;
  ctx.strokeStyle = '#111827';
  for (const i of state.selected) {
    const [sx, sy] = toScreen(i);
    ctx.strokeRect(sx - radius - 1.5, sy - radius - 1.5, 2 * radius + 3, 2 * radius + 3);
  }
  if (box) {
    ctx.setLineDash([4, 3]);
    ctx.strokeRect(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
    ctx.setLineDash([]);
  }
}

function nearest(sx, sy, pixels = 6) {
  const g = state.grid;
  if (!g) return -1;
  const [x, y] = toData(sx, sy);
  const r = pixels / state.view.scale;
  let best = -1, bestD = r * r;
  const cx0 = Math.max(0, Math.floor((x - r - g.minX) / g.w)), cx1 = Math.min(g.side - 1, Math.floor((x + r - g.minX) / g.w));
  const cy0 = Math.max(0, Math.floor((y - r - g.minY) / g.h)), cy1 = Math.min(g.side - 1, Math.floor((y + r - g.minY) / g.h));
  for (let cy = cy0; cy <= cy1; cy++) {
    for (let cx = cx0; cx <= cx1; cx++) {
      for (const i of g.cells[cy * g.side + cx]) {
        const d = (state.x[i] - x) ** 2 + (state.y[i] - y) ** 2;
        if (d < bestD) { bestD = d; best = i; }
      }
    }
  }
  return best;
}

function within(box) {
  const [ax, ay] = toData(Math.min(box.x0, box.x1), Math.max(box.y0, box.y1));
  const [bx, by] = toData(Math.max(box.x0, box.x1), Math.min(box.y0, box.y1));
  const ids = [];
  for (let i = 0; i < state.n; i++) if (state.x[i] >= ax && state.x[i] <= bx && state.y[i] >= ay && state.y[i] <= by) ids.push(i);
  return ids;
}

async function explain(i) {
  const key = `${state.sae[i]}/${state.index[i]}`;
  if (!explanations.has(key)) {
    const sae = state.saes[state.sae[i]];
    explanations.set(key, fetch(`/api/feature/${encodeURIComponent(state.model)}/${encodeURIComponent(sae)}/${state.index[i]}/explanation`)
      .then((r) => (r.ok ? r.json() : {})).then((b) => b.description ?? null).catch(() => null));
  }
  return explanations.get(key);
}

let hoverTimer = 0;
function showTip(i, sx, sy) {
  if (i < 0) { tip.style.display = 'none'; return; }
  const label = `${state.saes[state.sae[i]]} #${state.index[i]}`;
  tip.textContent = label;
  tip.style.display = 'block';
  tip.style.left = `${Math.min(sx + 12, canvas.clientWidth - 200)}px`;
  tip.style.top = `${sy + 12}px`;
  clearTimeout(hoverTimer);
  hoverTimer = setTimeout(async () => {
    const text = await explain(i);
    if (state.hover === i) tip.textContent = text ? `${label}: ${text}` : `${label} (no explanation)`;
  }, 120);
}

function legend() {
  const box = side.querySelector('.legend');
  box.replaceChildren();
  const entries = state.colour === 'sae'
    ? state.saes.map((s, i) => [palette[i % palette.length], s])
    : densityColours.map((c, i) => [c, `10^${(-5 + (5 * i) / densityColours.length).toFixed(1)}`]);
  for (const [c, text] of entries) {
    const row = document.createElement('div');
    const dot = document.createElement('span');
    dot.style.background = c;
    row.append(dot, text);
    box.append(row);
  }
}

function showSelection() {
  const panel = side.querySelector('.selection');
  panel.hidden = state.selected.length === 0;
  panel.querySelector('.count').textContent = state.selected.length.toLocaleString();
}

async function post(url, body) {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = await response.json().catch(() => ({}));
  return { response, json };
}

async function newList() {
  const note = side.querySelector('.list-status');
  const ids = state.selected.slice(0, MaxListFeatures);
  const features = ids.map((i) => ({ modelId: state.model, layer: state.saes[state.sae[i]], index: state.index[i] }));
  const name = side.querySelector('input[name=listName]').value || 'Map selection';
  note.textContent = 'Creating…';
  let { response, json } = await post('/api/list/new-with-features', { name, features });
  if (response.status === 404 || response.status === 405) {
    // Servers without new-with-features: make the list, then add the features.
    ({ response, json } = await post('/api/list/new', { name }));
    if (response.ok) {
      // add-features answers the added rows, not the list, so keep the list that /new answered.
      const list = json;
      ({ response, json } = await post('/api/list/add-features', { listId: list.id, featuresToAdd: features }));
      if (response.ok) json = list;
    }
  }
  if (!response.ok) { note.textContent = json.detail || json.title || `Error ${response.status}`; return; }
  note.replaceChildren();
  const a = document.createElement('a');
  a.href = json.url || `/list/${json.id}`;
  a.textContent = `List “${json.name ?? name}” with ${features.length} features`;
  note.append(a, state.selected.length > MaxListFeatures ? ` (the first ${MaxListFeatures} of the selection)` : '');
}

function init() {
  let drag = null;
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const rect = canvas.getBoundingClientRect();
    const sx = e.clientX - rect.left, sy = e.clientY - rect.top;
    const factor = Math.exp(-e.deltaY * 0.0015);
    state.view.dx = sx - (sx - state.view.dx) * factor;
    state.view.dy = sy - (sy - state.view.dy) * factor;
    state.view.scale *= factor;
    draw();
  }, { passive: false });
  canvas.addEventListener('mousedown', (e) => {
    const rect = canvas.getBoundingClientRect();
    drag = { x0: e.clientX - rect.left, y0: e.clientY - rect.top, x1: e.clientX - rect.left, y1: e.clientY - rect.top, box: e.shiftKey, moved: false, dx: state.view.dx, dy: state.view.dy };
  });
  window.addEventListener('mouseup', (e) => {
    if (!drag) return;
    const d = drag;
    drag = null;
    if (d.box && d.moved) { state.selected = within(d); showSelection(); draw(); return; }
    if (!d.moved && e.target === canvas) {
      const i = nearest(d.x0, d.y0);
      if (i >= 0) location.href = `/${encodeURIComponent(state.model)}/${encodeURIComponent(state.saes[state.sae[i]])}/${state.index[i]}`;
    }
  });
  canvas.addEventListener('mousemove', (e) => {
    const rect = canvas.getBoundingClientRect();
    const sx = e.clientX - rect.left, sy = e.clientY - rect.top;
    if (drag) {
      drag.moved ||= Math.abs(sx - drag.x0) + Math.abs(sy - drag.y0) > 3;
      drag.x1 = sx; drag.y1 = sy;
      if (drag.box) { draw(drag); return; }
      state.view.dx = drag.dx + sx - drag.x0; state.view.dy = drag.dy + sy - drag.y0;
      draw();
      return;
    }
    const i = nearest(sx, sy);
    if (i !== state.hover) { state.hover = i; showTip(i, sx, sy); }
  });
  canvas.addEventListener('mouseleave', () => { state.hover = -1; showTip(-1); });
  side.querySelector('select[name=colour]').addEventListener('change', (e) => { state.colour = e.target.value; legend(); draw(); });
  side.querySelector('[data-action=clear]').addEventListener('click', () => { state.selected = []; showSelection(); draw(); });
  side.querySelector('[data-action=new-list]')?.addEventListener('click', newList);
  window.addEventListener('resize', () => draw());
  load().catch((error) => status(`Could not load the map: ${error.message}`));
}

if (root && canvas) init();
