// Small progressive enhancements; every page works without them.
import { initFeatureTest } from './feature-test.js';

document.addEventListener('click', async (event) => {
  const copy = event.target.closest('[data-copy]');
  if (copy) {
    const url = new URL(copy.dataset.copy, location.origin).href;
    try {
      await navigator.clipboard.writeText(url);
      copy.textContent = 'Copied';
    } catch {
      window.prompt('Copy this link', url);
    }
    return;
  }
  const expand = event.target.closest('[data-expand]');
  if (expand) {
    event.preventDefault();
    toggleContext(expand);
  }
});

// "show full context": the page holds each example collapsed around its peak; the full rows come from the
// server once (/{model}/{sae}/{index}/examples) and the two versions are swapped from then on.
const contexts = new WeakMap();
async function toggleContext(link) {
  const body = link.closest('section').querySelector('[data-full-url]');
  let state = contexts.get(body);
  if (!state) {
    const response = await fetch(body.dataset.fullUrl, { headers: { accept: 'text/html' } });
    if (!response.ok) {
      location.href = link.href;
      return;
    }
    state = { other: await response.text(), full: false };
    contexts.set(body, state);
  }
  const shown = body.innerHTML;
  body.innerHTML = state.other;
  state.other = shown;
  state.full = !state.full;
  link.textContent = state.full ? 'show less context' : 'show full context';
}

// A control marked data-autosubmit submits its form when changed (the page's own button does without script).
document.addEventListener('change', (event) => {
  const control = event.target.closest('[data-autosubmit]');
  if (control && control.form) control.form.requestSubmit();
});

const feature = document.querySelector('article.feature');
if (feature) initFeatureTest(feature);

// Search page: clicking a token adds or removes its position from "sum at positions".
const pick = document.querySelector('.tokens.pick');
if (pick) {
  pick.addEventListener('click', (event) => {
    const token = event.target.closest('[data-pos]');
    if (!token) return;
    const input = document.querySelector('.search-form input[name=sort]');
    const chosen = new Set(input.value.split(',').map((s) => s.trim()).filter(Boolean));
    const pos = token.dataset.pos;
    if (chosen.has(pos)) chosen.delete(pos); else chosen.add(pos);
    token.classList.toggle('chosen');
    input.value = [...chosen].sort((a, b) => a - b).join(',');
    input.form.requestSubmit();
  });
}

// Explanation search: the SAE multi-select offers only the chosen model's SAEs (none chosen: no SAE filter).
const explanationSearch = document.querySelector('[data-testid=search-explanations]');
if (explanationSearch) {
  const model = explanationSearch.querySelector('select[name=model]');
  const saes = explanationSearch.querySelector('select[name=sae]');
  const showModelSaes = () => {
    for (const group of saes.querySelectorAll('optgroup')) {
      const mine = group.dataset.model === model.value;
      group.hidden = !mine;
      if (!mine) for (const option of group.querySelectorAll('option')) option.selected = false;
    }
    saes.disabled = model.value === '';
    // With all models there is no SAE to choose: no empty box.
    saes.closest('label').hidden = model.value === '';
  };
  model.addEventListener('change', showModelSaes);
  showModelSaes();
}
