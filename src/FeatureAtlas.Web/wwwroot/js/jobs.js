// Live progress on /jobs: polls GET /api/jobs every 2 s while a listed job is unfinished and updates its row.
const table = document.querySelector('[data-jobs-live]');
const finished = new Set(['succeeded', 'failed', 'cancelled']);

function percent(job) {
  if (job.state === 'succeeded') return 100;
  return job.total > 0 ? Math.min(100, Math.max(0, Math.floor(100 * job.done / job.total))) : 0;
}

function describe(job) {
  const stage = job.stage ? `${job.stage} ${job.done.toLocaleString()}/${job.total.toLocaleString()}` : '';
  return stage + (job.shards > 0 ? `, shards ${job.shardsDone}/${job.shards}` : '');
}

async function poll() {
  const rows = [...table.querySelectorAll('tr[data-job]')];
  if (!rows.some(r => !finished.has(r.querySelector('[data-field="state"]').textContent))) return;
  try {
    const response = await fetch('/api/jobs', { headers: { accept: 'application/json' } });
    if (response.ok) {
      const jobs = new Map((await response.json()).map(j => [String(j.id), j]));
      for (const row of rows) {
        const job = jobs.get(row.dataset.job);
        if (!job) continue;
        row.querySelector('[data-field="state"]').textContent = job.state;
        row.querySelector('[data-field="bar"]').value = percent(job);
        row.querySelector('[data-field="progress"]').textContent = describe(job);
        const error = row.querySelector('[data-field="error"]');
        error.textContent = job.error ?? '';
        error.hidden = !job.error;
      }
    }
  } finally {
    setTimeout(poll, 2000);
  }
}

if (table) setTimeout(poll, 2000);
