// councilplan portal: progressive enhancement only; every page works without it.
// Moves the keyboard focus to the first field with an error, so that it is announced and fixed first.
document.addEventListener("DOMContentLoaded", () => {
  const bad = document.querySelector('[aria-invalid="true"]');
  if (bad) { bad.focus(); }
  for (const sel of document.querySelectorAll("select#sort, select#compare")) {
    sel.addEventListener("change", () => sel.form && sel.form.requestSubmit());
  }
});
