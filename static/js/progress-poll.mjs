// A worker's progress page (exports/spreadsheet_job.html, notices/import_progress.html). Without
// JavaScript it has a "Refresh now" link; with it, the page fetches itself every 5 seconds and
// puts the new [data-progress] region in place (it holds a status region, so screen readers hear
// it), and reloads once the region is gone: the work is over and the page says what happened.
// No <meta http-equiv="refresh">: a page that reloads itself on a timer fails WCAG 2.2.1 (axe's
// "meta-refresh").
const region = document.querySelector('[data-progress]');

async function poll() {
  let response;
  try {
    response = await fetch(window.location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
  } catch {
    return; // offline for a moment: try again next time
  }
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), 'text/html');
  const fresh = page.querySelector('[data-progress]');
  if (fresh === null) {
    window.location.reload(); // finished, failed or expired: show that page
    return;
  }
  region.innerHTML = fresh.innerHTML;
}

if (region !== null) {
  window.setInterval(poll, 5000);
}
