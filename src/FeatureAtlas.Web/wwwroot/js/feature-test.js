// "Test this feature": posts the text to /api/activation/new and shows per-token activations. The text goes into
// the URL (?text=…#test) so a result can be shared; opening such a URL runs it again.
import { renderTokens, format } from './tokens.js';
import { renderDfa } from './feature-dfa.js';

export function initFeatureTest(article) {
  const form = article.querySelector('.test-form');
  if (!form) return;
  const result = article.querySelector('.test-result');
  const status = form.querySelector('.status');
  const feature = { modelId: article.dataset.model, source: article.dataset.sae, index: Number(article.dataset.index) };

  async function run() {
    const text = form.elements.text.value;
    if (!text.trim()) return;
    status.textContent = 'Running…';
    const url = new URL(location.href);
    url.searchParams.set('text', text);
    url.hash = 'test';
    history.replaceState(null, '', url);
    try {
      const response = await fetch('/api/activation/new', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ feature, customText: text, ignoreBos: form.elements.ignoreBos.checked }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        status.textContent = body.detail || body.title || `Error ${response.status}`;
        result.replaceChildren();
        return;
      }
      const scale = Number(article.querySelector('.tokens')?.dataset.max) || body.maxValue;
      renderTokens(result, body.tokens, body.values, scale);
      renderDfa(article, result, body);
      // A text the feature ignores has every value 0; "max 0 at token 0" would read as a result about token 0.
      status.textContent = body.maxValue > 0
        ? `max ${format(body.maxValue)} at token ${body.maxValueTokenIndex} (${JSON.stringify(body.tokens[body.maxValueTokenIndex] ?? '')})`
        : 'Did not fire: this feature is 0 on every token of this text.';
    } catch (error) {
      status.textContent = `Could not reach the server: ${error.message}`;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });
  if (form.elements.text.value.trim()) run();
}
