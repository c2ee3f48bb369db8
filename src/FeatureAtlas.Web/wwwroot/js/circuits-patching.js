// The activation patching page: POST /api/patch, then one heatmap per grid: resid_pre, attn_out and mlp_out as
// layer × position (columns labelled with the clean prompt's tokens, and the corrupted token where it differs) and
// heads as layer × head. Red is toward the clean answer (1 = fully restored), blue past the corrupted one.
import { article, model, bindForm, postJson, visible, diverging, ink, element, fixed } from './circuits-common.js';

const output = article.querySelector('.circuit-output');

bindForm(async (params) => {
  const result = await (await postJson('/api/patch', {
    modelId: model, clean: params.get('clean'), corrupted: params.get('corrupted'),
    target: params.get('target'), distractor: params.get('distractor'), method: params.get('method') || 'exact',
  })).json();
  const labels = result.tokens.map((t, i) => (t === result.corrupted_tokens[i] ? visible(t) : `${visible(t)} / ${visible(result.corrupted_tokens[i])}`));
  const heads = result.heads[0]?.length ?? 0;
  const headLabels = Array.from({ length: heads }, (_, h) => `H${h}`);
  const summary = element('p', { class: 'circuit-summary', 'data-testid': 'summary' },
    `logit(“${visible(result.target.token)}”) − logit(“${visible(result.distractor.token)}”): clean ${fixed(result.clean_metric, 4)}, corrupted ${fixed(result.corrupted_metric, 4)}. Cells: clean = 1, corrupted = 0${result.method === 'attribution' ? ' (attribution patching estimate)' : ''}.`);
  const maps = [
    heatmap('Residual stream (hook_resid_pre)', 'resid_pre', result.resid_pre, labels),
    heatmap('Attention output (hook_attn_out)', 'attn_out', result.attn_out, labels),
    heatmap('MLP output (hook_mlp_out)', 'mlp_out', result.mlp_out, labels),
    heatmap('Heads (hook_z, every position)', 'heads', result.heads, headLabels),
  ];
  const parts = [summary, element('div', { class: 'heatmaps' }, ...maps)];
  if (result.attribution) {
    const r = (k) => (result.correlation[k] === null ? 'undefined' : fixed(result.correlation[k], 3));
    parts.push(element('h2', { text: 'Attribution patching (gradient estimate)' }),
      element('p', { class: 'small muted', 'data-testid': 'correlation', text: `Pearson r with exact patching: resid_pre ${r('resid_pre')}, attn_out ${r('attn_out')}, mlp_out ${r('mlp_out')}, heads ${r('heads')}.` }),
      element('div', { class: 'heatmaps' },
        heatmap('Residual stream (estimate)', 'est-resid_pre', result.attribution.resid_pre, labels),
        heatmap('Attention output (estimate)', 'est-attn_out', result.attribution.attn_out, labels),
        heatmap('MLP output (estimate)', 'est-mlp_out', result.attribution.mlp_out, labels),
        heatmap('Heads (estimate)', 'est-heads', result.attribution.heads, headLabels)));
  }
  output.replaceChildren(...parts);
});

function heatmap(title, id, grid, columnLabels) {
  const scale = Math.max(1, ...grid.flat().map(Math.abs));
  const table = element('table', { class: 'heatmap', 'data-testid': `heatmap-${id}` });
  const head = element('tr', {}, element('th', { scope: 'col', text: 'layer' }));
  for (const label of columnLabels) head.append(element('th', { scope: 'col', class: 'tok-head', text: label }));
  const body = element('tbody');
  grid.forEach((row, l) => {
    const tr = element('tr', {}, element('th', { scope: 'row', text: `${l}` }));
    row.forEach((value, i) => {
      const td = element('td', { title: `layer ${l}, ${columnLabels[i]}: ${fixed(value, 4)}`, text: fixed(value, 2) });
      td.style.background = diverging(value, scale);
      td.style.color = ink(value / scale);
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(element('thead', {}, head), body);
  return element('figure', { class: 'card heatmap-card' }, element('figcaption', { text: title }), element('div', { class: 'scroll' }, table));
}
