// Renders tokens coloured by activation, the same way the server does (Rendering/TokenRow.cs).
export function renderTokens(container, tokens, values, scale) {
  const row = document.createElement('div');
  row.className = 'tokens';
  const max = values.reduce((m, v) => (v > m ? v : m), 0);
  const peak = values.indexOf(max);
  const maxLabel = document.createElement('span');
  maxLabel.className = 'ex-max';
  maxLabel.textContent = format(max);
  row.append(maxLabel);
  tokens.forEach((token, i) => {
    const span = document.createElement('span');
    const v = values[i];
    span.className = 'tok' + (v > 0 ? ' on' : '') + (i === peak && v > 0 ? ' peak' : '');
    span.textContent = token.replaceAll('\n', '↵').replaceAll('\t', '⇥').replaceAll('\r', '');
    span.title = format(v);
    span.dataset.v = format(v);
    if (v > 0 && scale > 0) span.style.backgroundColor = `rgba(255,140,0,${Math.min(1, Math.max(0.08, v / scale)).toFixed(3)})`;
    row.append(span);
  });
  container.replaceChildren(row);
}

// As ViewHelpers.Value: three decimals from 1 up, three significant digits below (0.00214, not 0).
export function format(v) {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1 || v === 0 ? String(Math.round(v * 1000) / 1000) : String(Number(v.toPrecision(3)));
}
