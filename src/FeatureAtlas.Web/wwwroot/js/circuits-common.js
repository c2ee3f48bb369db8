// What the circuit pages share: the form ↔ query string (each page's URL is its share link, and a page opened with a
// query runs it), calls to the circuit API with ProblemDetails shown as a message, token display and colour scales.

export const article = document.querySelector('article.circuits');
export const model = article?.dataset.model;

// Runs `run(params)` on submit and, when the server found enough in the query, once on opening. The address bar
// follows the form, so copying it shares the run.
export function bindForm(run, serialize = defaultSerialize) {
  const form = article.querySelector('.circuit-form');
  const status = form.querySelector('.status');
  const button = form.querySelector('[type=submit]');
  async function go() {
    const params = serialize(form);
    history.replaceState(null, '', `${location.pathname}?${params}`);
    button.disabled = true;
    status.textContent = 'Running…';
    status.classList.remove('problem');
    try {
      await run(params, form);
      status.textContent = '';
    } catch (error) {
      status.textContent = error.message;
      status.classList.add('problem');
    } finally {
      button.disabled = false;
    }
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go();
  });
  if (article.dataset.autorun === 'true') go();
  return form;
}

// Non-empty fields in form order; repeated names (checkboxes) repeat.
function defaultSerialize(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === 'string' && value !== '') params.append(name, value);
  }
  return params;
}

// POSTs JSON; a ProblemDetails answer becomes an Error carrying its detail.
export async function postJson(url, body) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw await problem(response);
  return response;
}

// Calls `frame(object)` for each line of an NDJSON answer as it arrives.
export async function readFrames(response, frame) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim()) frame(JSON.parse(line));
    }
  }
  if (buffer.trim()) frame(JSON.parse(buffer));
}

export async function problem(response) {
  try {
    const body = await response.json();
    return new Error(body.detail || body.title || `The server answered ${response.status}.`);
  } catch {
    return new Error(`The server answered ${response.status}.`);
  }
}

// Whitespace made visible, as the token views elsewhere show it.
export function visible(token) {
  return token.replaceAll('\n', '↵').replaceAll('\t', '⇥').replace(/^ /, '·').replace(/ $/, '·') || '∅';
}

// White → blue by probability in [0, 1].
export function sequential(p) {
  const t = Math.max(0, Math.min(1, p));
  const mix = (a, b) => Math.round(a + (b - a) * t);
  return `rgb(${mix(255, 37)}, ${mix(255, 99)}, ${mix(255, 235)})`;
}

// Blue (negative) ← white → red (positive), saturating at ±scale.
export function diverging(value, scale) {
  const t = Math.max(-1, Math.min(1, scale > 0 ? value / scale : 0));
  const mix = (a, b, x) => Math.round(a + (b - a) * x);
  return t >= 0 ? `rgb(255, ${mix(255, 60, t)}, ${mix(255, 60, t)})` : `rgb(${mix(255, 60, -t)}, ${mix(255, 110, -t)}, 255)`;
}

// Dark text on light cells, white on dark ones.
export function ink(t) {
  return Math.abs(t) > 0.6 ? '#fff' : '#111827';
}

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) node.append(child);
  return node;
}

export function fixed(value, digits = 3) {
  return value === null || value === undefined ? '–' : Number(value).toFixed(digits);
}

// A probability readable at any size: four decimals, or scientific below 0.001 (a small model's whole distribution is there).
export function prob(p) {
  if (p === null || p === undefined) return '–';
  return p >= 0.001 || p === 0 ? Number(p).toFixed(4) : Number(p).toExponential(2);
}

// A tooltip that follows the hovered or focused cell of `container`; `content(cell)` returns its nodes.
export function tooltip(container, tip, selector, content) {
  function show(cell) {
    tip.replaceChildren(...content(cell));
    tip.hidden = false;
    const box = cell.getBoundingClientRect();
    const host = article.getBoundingClientRect();
    tip.style.left = `${Math.max(0, box.left - host.left)}px`;
    tip.style.top = `${box.bottom - host.top + 4}px`;
  }
  function hide() {
    tip.hidden = true;
  }
  container.addEventListener('mouseover', (event) => {
    const cell = event.target.closest(selector);
    if (cell) show(cell);
  });
  container.addEventListener('focusin', (event) => {
    const cell = event.target.closest(selector);
    if (cell) show(cell);
  });
  container.addEventListener('mouseleave', hide);
  container.addEventListener('focusout', hide);
}
