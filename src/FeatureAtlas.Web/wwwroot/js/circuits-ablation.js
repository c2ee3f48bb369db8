// The feature ablation page: rows of (SAE, index, value, positions) go into the address as f=sae:index[:value][@p,q]
// and to POST /api/ablate; the answer is the next-token distribution before → after, the metric's change and KL.
import { article, model, bindForm, postJson, visible, element, fixed, prob } from './circuits-common.js';

const output = article.querySelector('.circuit-output');
const rowsBox = article.querySelector('.ablation-rows');

function features(form) {
  return [...form.querySelectorAll('.ablation-row')].map((row) => ({
    sae: row.querySelector('[name=fsae]').value,
    index: row.querySelector('[name=findex]').value,
    value: row.querySelector('[name=fvalue]').value,
    positions: row.querySelector('[name=fpositions]').value.replaceAll(' ', ''),
  })).filter((f) => f.sae && f.index !== '');
}

function serialize(form) {
  const params = new URLSearchParams();
  for (const name of ['prompt', 'target', 'distractor', 'position']) {
    const value = form.elements[name].value;
    if (value !== '') params.set(name, value);
  }
  for (const f of features(form)) params.append('f', `${f.sae}:${f.index}${f.value !== '' ? `:${f.value}` : ''}${f.positions ? `@${f.positions}` : ''}`);
  return params;
}

const form = bindForm(async (params, form) => {
  const body = {
    modelId: model, prompt: params.get('prompt'), target: params.get('target') || null, distractor: params.get('distractor') || null,
    features: features(form).map((f) => ({
      sae: f.sae, index: Number(f.index), value: f.value === '' ? null : Number(f.value),
      positions: f.positions ? f.positions.split(',').filter((p) => p !== '').map(Number) : null,
    })),
  };
  if (params.get('position')) body.position = Number(params.get('position'));
  const r = await (await postJson('/api/ablate', body)).json();
  output.replaceChildren(summary(r), element('div', { class: 'panels' }, distribution('Before: top tokens', 'top-before', r.top_before), distribution('After: top tokens', 'top-after', r.top_after)), edits(r));
}, serialize);

for (const row of rowsBox.querySelectorAll('.ablation-row')) wire(row);
form.querySelector('.add-row').addEventListener('click', () => {
  if (rowsBox.children.length >= Number(rowsBox.dataset.limit)) return;
  const template = rowsBox.querySelector('.ablation-row');
  const row = template.cloneNode(true);
  for (const input of row.querySelectorAll('input')) input.value = input.name === 'findex' ? '0' : '';
  rowsBox.append(row);
  wire(row);
});

function wire(row) {
  row.querySelector('.remove').addEventListener('click', () => {
    if (rowsBox.children.length > 1) row.remove();
  });
}

function summary(r) {
  const parts = [`After “${visible(r.tokens[r.position])}” (position ${r.position}): KL(before ‖ after) = ${fixed(r.kl, 5)} nats.`];
  if (r.target) {
    const metric = r.distractor ? `logit(“${visible(r.target.token)}”) − logit(“${visible(r.distractor.token)}”)` : `logit(“${visible(r.target.token)}”)`;
    parts.push(` ${metric}: ${fixed(r.metric_before, 4)} → ${fixed(r.metric_after, 4)} (change ${r.metric_change >= 0 ? '+' : ''}${fixed(r.metric_change, 4)}); p(“${visible(r.target.token)}”) ${prob(r.target_prob_before)} → ${prob(r.target_prob_after)}.`);
  }
  return element('p', { class: 'circuit-summary', 'data-testid': 'summary', text: parts.join('') });
}

function distribution(title, id, list) {
  const table = element('table', { class: 'grid compact', 'data-testid': id });
  table.append(element('thead', {}, element('tr', {}, element('th', { text: 'Token' }), element('th', { class: 'num', text: 'Before' }), element('th', { class: 'num', text: 'After' }), element('th', { text: '' }))));
  const body = element('tbody');
  // Bars relative to the largest probability listed, so a flat distribution still shows its changes.
  const scale = Math.max(1e-12, ...list.flatMap((t) => [t.before, t.after]));
  for (const t of list) {
    const bars = element('span', { class: 'prob-bars' });
    const before = element('span', { class: 'bar before' });
    const after = element('span', { class: 'bar after' });
    before.style.width = `${(100 * t.before) / scale}%`;
    after.style.width = `${(100 * t.after) / scale}%`;
    bars.append(before, after);
    body.append(element('tr', {}, element('td', {}, element('code', { text: visible(t.token) })), element('td', { class: 'num', text: prob(t.before) }),
      element('td', { class: 'num', text: prob(t.after) }), element('td', { class: 'bars' }, bars)));
  }
  table.append(body);
  return element('section', { class: 'card' }, element('h2', { text: title }), table);
}

function edits(r) {
  const list = element('ul', { class: 'small', 'data-testid': 'edits' });
  for (const f of r.features) {
    list.append(element('li', {},
      element('a', { href: `/${encodeURIComponent(model)}/${encodeURIComponent(f.sae)}/${f.index}`, text: `${f.sae} #${f.index}` }),
      ` at ${f.position} (“${visible(r.tokens[f.position])}”): ${fixed(f.found, 3)} → ${fixed(f.set, 3)}`));
  }
  return element('details', { class: 'card' }, element('summary', { text: `${r.features.length} edits as applied` }), list);
}
