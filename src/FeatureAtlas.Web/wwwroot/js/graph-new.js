// /{model}/graph: generate a graph (POST /api/graph/generate, then GET its status every second, with a progress bar,
// until the graph is stored; then open it) and upload one (the file is the request body; schema errors are listed).
const generate = document.querySelector('[data-graph-generate]');
const upload = document.querySelector('[data-graph-upload]');

function problemText(json, status) {
  return json?.detail ?? json?.title ?? `HTTP ${status}`;
}

function showError(el, text) {
  el.textContent = text;
  el.hidden = !text;
}

async function follow(form, job) {
  const progress = form.querySelector('[data-testid="graph-progress"]');
  const bar = progress.querySelector('progress');
  const status = progress.querySelector('[data-field="status"]');
  progress.hidden = false;
  for (;;) {
    const percent = job.total > 0 ? Math.floor(100 * job.done / job.total) : 0;
    bar.value = job.state === 'succeeded' ? 100 : percent;
    status.textContent = `${job.state}${job.stage ? `: ${job.stage} ${job.done.toLocaleString()}/${job.total.toLocaleString()}` : ''}`;
    if (job.state === 'succeeded') { location.href = job.url; return; }
    if (job.state === 'failed' || job.state === 'cancelled') {
      showError(form.querySelector('[data-field="error"]'), job.error ?? `The job was ${job.state}.`);
      form.querySelector('button[type="submit"]').disabled = false;
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
    const response = await fetch(job.statusUrl, { headers: { accept: 'application/json' } });
    if (response.ok) job = await response.json();
  }
}

generate?.addEventListener('submit', async e => {
  e.preventDefault();
  const form = e.currentTarget;
  const data = new FormData(form);
  const number = name => data.get(name) === '' || data.get(name) === null ? null : Number(data.get(name));
  const body = {
    modelId: form.dataset.model, prompt: data.get('prompt'), slug: data.get('slug') || null,
    nodeThreshold: number('nodeThreshold'), edgeThreshold: number('edgeThreshold'), maxFeatureNodes: number('maxFeatureNodes'),
    maxNLogits: number('maxNLogits'), desiredLogitProb: number('desiredLogitProb'), async: true,
  };
  const error = form.querySelector('[data-field="error"]');
  showError(error, '');
  form.querySelector('button[type="submit"]').disabled = true;
  const response = await fetch('/api/graph/generate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    showError(error, problemText(json, response.status));
    form.querySelector('button[type="submit"]').disabled = false;
    return;
  }
  await follow(form, json);
});

upload?.addEventListener('submit', async e => {
  e.preventDefault();
  const form = e.currentTarget;
  const file = form.querySelector('input[type="file"]').files[0];
  const slug = new FormData(form).get('slug');
  const error = form.querySelector('[data-field="error"]');
  error.replaceChildren();
  error.hidden = true;
  if (!file) return;
  const url = '/api/graph/upload' + (slug ? `?slug=${encodeURIComponent(slug)}` : '');
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: file });
  const json = await response.json().catch(() => null);
  if (response.ok) { location.href = json.url; return; }
  const items = [json?.title ?? `Upload failed (HTTP ${response.status})`, ...(json?.errors ?? (json?.detail ? [json.detail] : []))];
  for (const text of items) {
    const li = document.createElement('li');
    li.textContent = text;
    error.appendChild(li);
  }
  error.hidden = false;
});
