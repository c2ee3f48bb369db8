// The steering page: strength sliders on an exponential scale, feature search, and runs through POST /api/steer
// with streaming (server-sent events) into the Normal and Steered columns. Hover or focus a generated token for
// its top-5 alternatives. The page's HTML (Pages/Steer/Steer.cshtml) holds the settings; this only enhances it.
const article = document.querySelector('article.steer');
const form = article?.querySelector('.steer-form');

// Slider position p in [-1000, 1000] ↔ strength: sign(p) · M · (10^(3|p|/1000) − 1) / 999, M = 300 × multiplier,
// so small strengths get most of the travel and the ends reach ±M.
const SPAN = 1000;
function range() {
  const multiplier = Number(form.elements.strength_multiplier.value);
  return 300 * (multiplier > 0 ? multiplier : 1);
}
function toStrength(p) {
  const x = Math.abs(p) / SPAN;
  return Math.sign(p) * range() * (Math.pow(10, 3 * x) - 1) / 999;
}
function toPosition(strength) {
  const x = Math.log10(1 + Math.min(Math.abs(strength) / range(), 1) * 999) / 3;
  return Math.round(Math.sign(strength) * x * SPAN);
}
function round(v) {
  return Math.round(v * 100) / 100;
}

function init() {
  const featuresBox = form.querySelector('.steer-features');
  const status = form.querySelector('.status');
  const share = form.querySelector('.share');
  const shareLink = form.querySelector('.share-link');
  const outputs = { normal: article.querySelector('[data-testid=default-output]'), steered: article.querySelector('[data-testid=steered-output]') };
  const tip = article.querySelector('.logprob-tip');
  const model = article.dataset.model;
  const embed = article.dataset.embed === 'true';

  for (const row of featuresBox.querySelectorAll('.steer-feature')) wire(row);
  form.elements.strength_multiplier.addEventListener('input', () => {
    for (const row of featuresBox.querySelectorAll('.steer-feature')) row.querySelector('.strength-slider').value = toPosition(Number(row.querySelector('.strength').value));
  });
  form.elements.model.addEventListener('change', () => {
    location.href = `/steer?model=${encodeURIComponent(form.elements.model.value)}${embed ? '&embed=true' : ''}`;
  });

  function wire(row) {
    const slider = row.querySelector('.strength-slider');
    const number = row.querySelector('.strength');
    slider.value = toPosition(Number(number.value));
    slider.addEventListener('input', () => { number.value = round(toStrength(Number(slider.value))); });
    number.addEventListener('input', () => { slider.value = toPosition(Number(number.value)); });
    row.querySelector('.remove').addEventListener('click', () => {
      row.remove();
      showEmpty();
    });
  }

  function showEmpty() {
    form.querySelector('.no-features').hidden = featuresBox.children.length > 0;
  }

  async function addFeature(sae, index, label) {
    if (featuresBox.children.length >= Number(featuresBox.dataset.limit)) {
      status.textContent = `At most ${featuresBox.dataset.limit} features.`;
      return;
    }
    let max = null;
    try {
      const response = await fetch(`/api/feature/${encodeURIComponent(model)}/${encodeURIComponent(sae)}/${index}`);
      if (response.ok) {
        const body = await response.json();
        if (body.maxActApprox > 0) max = body.maxActApprox;
        label ??= body.explanations?.[0]?.description;
      }
    } catch { /* the feature can still be steered at the default strength */ }
    const row = document.createElement('div');
    row.className = 'steer-feature';
    row.dataset.sae = sae;
    row.dataset.index = index;
    const strength = max ?? 40;
    const name = `${sae} #${index}`;
    row.innerHTML = `<input type="hidden" name="fsae" /><input type="hidden" name="findex" />
      <a class="name"></a> <span class="muted small"></span>
      <input type="range" class="strength-slider" min="-1000" max="1000" step="1" />
      <input type="number" class="strength" name="fstrength" step="any" data-testid="strength" />
      <button type="button" class="link remove">✕</button>`;
    row.querySelector('[name=fsae]').value = sae;
    row.querySelector('[name=findex]').value = index;
    const link = row.querySelector('.name');
    link.href = `/${encodeURIComponent(model)}/${encodeURIComponent(sae)}/${index}`;
    link.textContent = name;
    row.querySelector('.muted').textContent = `${label ?? ''}${max ? ` · max act ${round(max)}` : ''}`;
    row.querySelector('.strength').value = round(strength);
    row.querySelector('.strength').setAttribute('aria-label', `Strength of ${name}`);
    row.querySelector('.strength-slider').setAttribute('aria-label', `Strength of ${name} (exponential scale)`);
    row.querySelector('.remove').setAttribute('aria-label', `Remove ${name}`);
    featuresBox.append(row);
    wire(row);
    showEmpty();
    row.querySelector('.strength-slider').focus();
  }

  form.querySelector('.add-button').addEventListener('click', () => {
    const sae = form.querySelector('.add-sae').value;
    const index = form.querySelector('.add-index').value;
    if (sae && index !== '') addFeature(sae, Number(index));
  });

  // Search by explanation: results are buttons, so Tab and Enter add one.
  const search = form.querySelector('.feature-search');
  const results = form.querySelector('.feature-results');
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(runSearch, 250);
  });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      runSearch();
    }
  });
  async function runSearch() {
    const query = search.value.trim();
    if (query.length < 2) {
      results.hidden = true;
      return;
    }
    const response = await fetch('/api/explanation/search-model', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ modelId: model, query }),
    });
    const body = await response.json().catch(() => ({}));
    results.replaceChildren();
    for (const found of (body.results ?? []).slice(0, 10)) {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.textContent = `${found.layer} #${found.index} — ${found.description}`;
      button.addEventListener('click', () => {
        addFeature(found.layer, found.index, found.description);
        results.hidden = true;
        search.value = '';
      });
      item.append(button);
      results.append(item);
    }
    if (!results.children.length) results.innerHTML = '<li class="muted small">No explanation matches.</li>';
    results.hidden = false;
  }

  function request() {
    const e = form.elements;
    const features = [...featuresBox.querySelectorAll('.steer-feature')].map((row) => ({
      modelId: model, layer: row.dataset.sae, index: Number(row.dataset.index), strength: Number(row.querySelector('.strength').value),
    }));
    return {
      prompt: e.prompt.value, modelId: model, features, steer_method: e.steer_method.value, strength_multiplier: Number(e.strength_multiplier.value),
      n_tokens: Number(e.n_tokens.value), temperature: Number(e.temperature.value), seed: Number(e.seed.value),
      freq_penalty: Number(e.freq_penalty.value), steer_positions: e.steer_positions.value, stream: true,
    };
  }

  let running = null;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    running?.abort();
    const controller = new AbortController();
    running = controller;
    const body = request();
    status.textContent = 'Steering…';
    share.hidden = true;
    shareLink.hidden = true;
    try {
      const response = await fetch('/api/steer', {
        method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' }, body: JSON.stringify(body), signal: controller.signal,
      });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        status.textContent = problem.detail || problem.title || `Error ${response.status}`;
        return;
      }
      await readEvents(response, (frame) => show(body.prompt, frame));
    } catch (error) {
      if (error.name !== 'AbortError') status.textContent = `Could not steer: ${error.message}`;
    } finally {
      if (running === controller) running = null;
    }
  });

  function show(prompt, frame) {
    if (frame.error) {
      status.textContent = frame.error.detail || frame.error.title;
      return;
    }
    if (!frame.done) {
      plain(outputs.normal, prompt, frame.DEFAULT);
      plain(outputs.steered, prompt, frame.STEERED);
      return;
    }
    tokens(outputs.normal, prompt, frame.DEFAULT, frame.defaultLogProbs);
    tokens(outputs.steered, prompt, frame.STEERED, frame.steeredLogProbs);
    status.textContent = frame.cached ? 'Done (a saved run with these settings).' : 'Done.';
    share.dataset.url = frame.shareUrl;
    share.hidden = false;
    shareLink.href = new URL(frame.shareUrl).pathname + (embed ? '?embed=true' : '');
    shareLink.textContent = frame.shareUrl;
    shareLink.hidden = false;
    history.replaceState(null, '', shareLink.href);
  }

  function plain(box, prompt, text) {
    const start = text.startsWith(prompt) ? prompt.length : 0;
    const head = document.createElement('span');
    head.className = 'prompt';
    head.textContent = text.slice(0, start);
    box.replaceChildren(head, document.createTextNode(text.slice(start)));
  }

  function tokens(box, prompt, text, logprobs) {
    const head = document.createElement('span');
    head.className = 'prompt';
    head.textContent = text.startsWith(prompt) ? prompt : '';
    const spans = (logprobs ?? []).map((t) => {
      const span = document.createElement('span');
      span.className = 'gen';
      span.tabIndex = 0;
      span.textContent = t.token;
      span.dataset.logprob = fmt(t.logprob);
      span.dataset.top = JSON.stringify(t.topLogprobs);
      return span;
    });
    box.replaceChildren(head, ...spans);
  }

  share.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(share.dataset.url);
      share.textContent = 'Copied';
    } catch {
      window.prompt('Copy this link', share.dataset.url);
    }
  });

  // Top-5 logprobs of the token under the pointer or keyboard focus.
  function openTip(span) {
    const top = JSON.parse(span.dataset.top || '[]');
    const rows = top.map((c) => {
      const row = document.createElement('div');
      row.className = 'tip-row' + (c.token === span.textContent ? ' chosen' : '');
      const token = document.createElement('code');
      token.textContent = c.token.replaceAll('\n', '↵');
      const value = document.createElement('span');
      value.textContent = `${fmt(c.logprob)} (${(100 * Math.exp(c.logprob ?? -Infinity)).toFixed(1)}%)`;
      row.append(token, value);
      return row;
    });
    const head = document.createElement('div');
    head.className = 'muted small';
    head.textContent = `logprob ${span.dataset.logprob} · top ${top.length}`;
    tip.replaceChildren(head, ...rows);
    const box = span.getBoundingClientRect();
    const host = article.getBoundingClientRect();
    tip.style.left = `${box.left - host.left}px`;
    tip.style.top = `${box.bottom - host.top + 4}px`;
    tip.hidden = false;
    span.setAttribute('aria-describedby', tip.id);
  }
  function closeTip() {
    tip.hidden = true;
  }
  for (const box of Object.values(outputs)) {
    box.addEventListener('mouseover', (event) => { const span = event.target.closest('.gen'); if (span) openTip(span); });
    box.addEventListener('mouseout', (event) => { if (event.target.closest('.gen')) closeTip(); });
    box.addEventListener('focusin', (event) => { const span = event.target.closest('.gen'); if (span) openTip(span); });
    box.addEventListener('focusout', closeTip);
  }
  document.addEventListener('keydown', (event) => { if (event.key === 'Escape') closeTip(); });
}

function fmt(v) {
  return v === null || v === undefined ? '−∞' : String(Math.round(v * 1000) / 1000);
}

// Server-sent events from a fetch body: "data: {json}\n\n" frames, and "event: error" frames with a problem.
async function readEvents(response, onFrame) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const raw = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = raw.split('\n');
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (!data) continue;
      const parsed = JSON.parse(data);
      onFrame(lines.some((l) => l === 'event: error') ? { error: parsed } : parsed);
    }
  }
}

if (form) init();
