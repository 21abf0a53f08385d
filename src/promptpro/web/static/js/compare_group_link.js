// Links the compare page to the compare group its run is kept as.
const box = document.querySelector("[data-compare-group-link]");

document.addEventListener("compare-group", (event) => {
  const id = Number(event.detail);
  if (!box || !Number.isInteger(id) || id < 1) return;
  box.querySelector("a").href = `/compare-groups/${id}`;
  box.hidden = false;
});
