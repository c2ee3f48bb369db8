// Direct feature attribution (SAEDashboard's DFA) for features of attn.hook_z SAEs: one bar per source token, how
// much that token's attended value vector adds to the feature where it is largest (the target token, outlined).
// Bars are scaled by the largest |value|; negative ones are drawn in blue. Shown under the test result; styled here so
// the feature is one file.

export function renderDfa(article, result, body) {
  let box = article.querySelector('.test-dfa');
  if (!Array.isArray(body.dfaValues)) {
    box?.remove();
    return;
  }
  if (!box) {
    box = document.createElement('figure');
    box.className = 'test-dfa';
    box.style.margin = '0.8rem 0 0';
    result.after(box);
  }
  const caption = document.createElement('figcaption');
  caption.style.cssText = 'color: var(--muted); font-size: 0.85rem; margin-bottom: 0.3rem';
  caption.textContent = `Direct feature attribution to token ${body.dfaTargetIndex} (${JSON.stringify(body.tokens[body.dfaTargetIndex] ?? '')}) from each earlier token`;
  const rows = document.createElement('div');
  rows.className = 'dfa-bars';
  rows.style.cssText = 'display: grid; gap: 2px; font-size: 0.85rem; max-width: 32rem';
  const scale = body.dfaMaxValue > 0 ? body.dfaMaxValue : 1;
  body.dfaValues.forEach((value, i) => {
    if (i > body.dfaTargetIndex) return;
    const row = document.createElement('div');
    row.className = 'dfa-row' + (i === body.dfaTargetIndex ? ' dfa-target' : '');
    row.style.cssText = 'display: grid; grid-template-columns: 8rem 1fr; gap: 0.5rem; align-items: center'
      + (i === body.dfaTargetIndex ? '; outline: 1px solid var(--accent)' : '');
    row.title = `${JSON.stringify(body.tokens[i])}: ${value.toFixed(4)}`;
    const label = document.createElement('span');
    label.className = 'dfa-token';
    label.textContent = body.tokens[i];
    label.style.cssText = 'white-space: pre; overflow: hidden; text-overflow: ellipsis; font-family: monospace';
    const bar = document.createElement('span');
    bar.className = 'dfa-bar' + (value < 0 ? ' dfa-negative' : '');
    bar.style.cssText = `display: block; height: 0.8rem; width: ${Math.round(100 * Math.abs(value) / scale)}%; background: ${value < 0 ? '#2563eb' : 'var(--accent)'}`;
    const track = document.createElement('span');
    track.className = 'dfa-track';
    track.style.cssText = 'display: block; background: var(--line)';
    track.append(bar);
    row.append(label, track);
    rows.append(row);
  });
  box.replaceChildren(caption, rows);
}
