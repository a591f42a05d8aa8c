import { initAll } from '../govuk/govuk-frontend.min.js';

initAll();

// A "Copy" button beside a read-only address (the calendar page): shown only where the
// browser can copy, and says "Copied" in a live region (issue 25).
for (const group of document.querySelectorAll('[data-module="app-copy"]')) {
  const source = document.getElementById(group.dataset.copyFrom);
  const button = group.querySelector('.app-copy__button');
  const status = group.querySelector('.app-copy__status');
  if (!source || !button || !navigator.clipboard) continue;
  group.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(source.value);
      status.textContent = 'Address copied';
    } catch {
      source.select();
      status.textContent = 'Select the address and copy it';
    }
  });
}

// Every table scrolls inside its own focusable region, so no page is wider than the screen
// (WCAG 1.4.10). The templates wrap their tables; this wraps any that a template has not.
for (const table of document.querySelectorAll('table.govuk-table')) {
  if (table.closest('.app-table-scroll')) continue;
  const region = document.createElement('div');
  region.className = 'app-table-scroll';
  region.tabIndex = 0;
  region.setAttribute('role', 'region');
  const caption = table.querySelector('caption');
  region.setAttribute('aria-label', caption ? caption.textContent.trim() : 'Table');
  table.parentNode.insertBefore(region, table);
  region.appendChild(table);
}
