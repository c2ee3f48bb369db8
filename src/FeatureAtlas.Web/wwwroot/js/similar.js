// "Similar features" on a feature page: fetches the nearest features by decoder cosine (own SAE first, then the
// model's other SAEs) and lists them with their explanations and links.
const section = document.querySelector('section.similar[data-similar-url]');

function link(feature) {
  const a = document.createElement('a');
  a.href = `/${encodeURIComponent(feature.modelId)}/${encodeURIComponent(feature.layer)}/${feature.index}`;
  a.textContent = `#${feature.index}`;
  return a;
}

async function load() {
  const status = section.querySelector('.status');
  const lists = section.querySelector('.similar-lists');
  try {
    const response = await fetch(section.dataset.similarUrl, { headers: { Accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      status.textContent = body.detail || body.title || `Error ${response.status}`;
      return;
    }
    status.remove();
    for (const sae of body.saes) {
      const block = document.createElement('div');
      block.className = 'similar-sae';
      const title = document.createElement('h3');
      title.textContent = sae.layer === body.layer ? `${sae.layer} (this SAE)` : sae.layer;
      const table = document.createElement('table');
      table.className = 'grid compact';
      for (const feature of sae.features) {
        const row = table.insertRow();
        row.dataset.testid = 'similar-feature';
        row.insertCell().append(link(feature));
        row.insertCell().textContent = feature.cosine.toFixed(3);
        const text = row.insertCell();
        text.textContent = feature.description ?? '';
        text.className = 'muted';
      }
      block.append(title, table);
      lists.append(block);
    }
  } catch (error) {
    status.textContent = `Could not load similar features: ${error.message}`;
  }
}

if (section) load();
