// The lens page (logit lens, or the tuned lens with ?lens=tuned): POST /api/lens streams NDJSON frames (meta, prompt, one per position, done); the grid fills
// column by column as they arrive. Rows are layers (last = the model's output), columns positions; a cell shows the
// top token, coloured by its probability, and hovering or focusing it lists the top N.
import { article, model, bindForm, postJson, readFrames, visible, sequential, ink, element, prob, tooltip } from './circuits-common.js';

const output = article.querySelector('.circuit-output');
const tip = article.querySelector('.circuit-tip');

bindForm(async (params) => {
  const type = params.get('lens') === 'tuned' ? 'TUNED_LENS' : 'LOGIT_LENS';
  article.querySelector('h1').textContent = type === 'TUNED_LENS' ? 'Tuned lens' : 'Logit lens';
  const response = await postJson('/api/lens', { modelId: model, prompt: params.get('prompt'), top_n: Number(params.get('top') || 5), type });
  output.replaceChildren();
  let layers = [];
  let body = null;
  let header = null;
  await readFrames(response, frame);

  function frame(f) {
    if (f.type === 'meta') {
      layers = f.layers_by_type[f.types[0]];
    } else if (f.type === 'prompt') {
      const table = element('table', { class: 'lens-grid', 'data-testid': 'lens-grid' });
      header = element('tr', {}, element('th', { scope: 'col', text: 'layer' }));
      for (const token of f.tokens) header.append(element('th', { scope: 'col', class: 'tok-head', text: visible(token) }));
      body = element('tbody');
      for (const layer of [...layers].reverse()) {
        const row = element('tr', { 'data-layer': layer }, element('th', { scope: 'row', text: layer === layers.at(-1) ? `${layer} (output)` : `${layer}` }));
        body.append(row);
      }
      table.append(element('thead', {}, header), body);
      output.append(table);
    } else if (f.type === 'token') {
      const result = f.results[0];
      for (const row of body.rows) {
        const l = layers.indexOf(Number(row.dataset.layer));
        const p = result.top_probs[l][0];
        const cell = element('td', { tabindex: '0', class: 'lens-cell', 'data-position': f.position, 'data-layer': row.dataset.layer, text: visible(result.top_tokens[l][0]) });
        cell.style.background = sequential(p);
        cell.style.color = ink(p);
        cell.lens = { tokens: result.top_tokens[l], probs: result.top_probs[l], at: f.token, layer: row.dataset.layer };
        row.append(cell);
      }
    }
  }
});

tooltip(output, tip, '.lens-cell', (cell) => {
  const { tokens, probs, at, layer } = cell.lens;
  const rows = tokens.map((t, i) => element('div', { class: 'tip-row' }, element('code', { text: visible(t) }), element('span', { text: prob(probs[i]) })));
  return [element('div', { class: 'small', text: `layer ${layer}, after “${visible(at)}”` }), ...rows];
});
