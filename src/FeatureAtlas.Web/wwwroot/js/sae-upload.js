// The SAE upload form on a model's page: sends the files with upload progress, shows the server's ProblemDetails
// message when the SAE is refused, and opens the SAE's page (which shows its processing) when it is accepted.
const form = document.getElementById('sae-upload');
const bar = form?.querySelector('[data-field="progress"]');
const error = form?.querySelector('[data-field="error"]');

function fail(message) {
  error.textContent = message;
  error.hidden = false;
  bar.hidden = true;
  form.querySelector('button[type="submit"]').disabled = false;
}

form?.addEventListener('submit', event => {
  event.preventDefault();
  error.hidden = true;
  bar.hidden = false;
  bar.value = 0;
  form.querySelector('button[type="submit"]').disabled = true;
  const request = new XMLHttpRequest();
  request.open('POST', form.action);
  request.setRequestHeader('accept', 'application/json');
  request.upload.addEventListener('progress', e => { if (e.lengthComputable) bar.value = Math.floor(100 * e.loaded / e.total); });
  request.addEventListener('load', () => {
    let body = null;
    try { body = JSON.parse(request.responseText); } catch { /* not JSON */ }
    if (request.status === 202 && body?.url) {
      window.location.assign(body.url);
    } else {
      fail(body?.detail ?? body?.title ?? `The upload failed (HTTP ${request.status}).`);
    }
  });
  request.addEventListener('error', () => fail('The upload did not reach the server.'));
  request.send(new FormData(form));
});
