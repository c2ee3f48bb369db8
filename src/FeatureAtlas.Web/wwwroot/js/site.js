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
    const section = expand.closest('section');
    const on = section.classList.toggle('full-context');
    expand.textContent = on ? 'show less context' : 'show full context';
  }
});

const feature = document.querySelector('article.feature');
if (feature) initFeatureTest(feature);
