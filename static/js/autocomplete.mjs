// Progressive enhancement: a text input marked data-module="app-autocomplete" suggests names
// from its data-source address as the person types (GOV.UK's accessible-autocomplete, loaded
// by a classic script before this module). Without JavaScript it stays a plain text input,
// and the filter matches part of a name.
const { accessibleAutocomplete } = window;

for (const input of document.querySelectorAll('input[data-module="app-autocomplete"]')) {
  if (!accessibleAutocomplete) break;
  const wrapper = document.createElement('div');
  input.parentNode.insertBefore(wrapper, input);
  let pending;
  accessibleAutocomplete({
    element: wrapper,
    id: input.id,
    name: input.name,
    defaultValue: input.value,
    minLength: 2,
    showNoOptionsFound: true,
    tNoResults: () => 'No names match',
    source: (query, populateResults) => {
      if (pending) pending.abort();
      pending = new AbortController();
      const url = `${input.dataset.source}?${new URLSearchParams({ q: query })}`;
      fetch(url, { credentials: 'same-origin', signal: pending.signal, headers: { Accept: 'application/json' } })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((data) => populateResults(data.results))
        .catch(() => {});
    },
  });
  // The enhanced input carries the same id and name; the original leaves the form.
  input.remove();
}
