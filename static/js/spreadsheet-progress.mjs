// A spreadsheet's progress page (exports/spreadsheet_job.html). Without JavaScript it has a
// "Refresh now" link; with it, the page fetches itself every 5 seconds and puts the new
// progress in place (a status region, so screen readers hear it), and reloads once the
// spreadsheet is ready or has failed. No <meta http-equiv="refresh">: a page that reloads
// itself on a timer fails WCAG 2.2.1 (axe's "meta-refresh").
const region = document.querySelector('[data-spreadsheet-progress]');

async function poll() {
  let response;
  try {
    response = await fetch(window.location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
  } catch {
    return; // offline for a moment: try again next time
  }
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), 'text/html');
  const fresh = page.querySelector('[data-spreadsheet-progress]');
  if (fresh === null) {
    window.location.reload(); // ready, failed or expired: show that page
    return;
  }
  region.innerHTML = fresh.innerHTML;
}

if (region !== null) {
  window.setInterval(poll, 5000);
}
