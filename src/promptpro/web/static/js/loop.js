// The everyday loop on the prompt, response and compare pages: variables left empty said
// so, ratings and notes, re-running a response, and following a run already going.
import { api, readProblem, SignedOut } from "./http.js";
import { follow, rerun } from "./follow.js";

const historyList = document.getElementById("history-list");
const runForm = document.getElementById("run-form");

/** A variable left empty is sent as an empty value: say so next to its field. */
function markLeftEmpty(form) {
  for (const field of form.querySelectorAll("[data-variable]")) {
    const note = document.createElement("p");
    note.className = "hint left-empty";
    note.dataset.testid = "left-empty";
    note.textContent = "(left empty) It runs with an empty value.";
    field.closest(".field")?.append(note);
    const update = () => {
      note.hidden = field.value !== "";
    };
    field.addEventListener("input", update);
    update();
  }
}

function historyChanged() {
  document.dispatchEvent(new CustomEvent("promptpro:history-stale"));
}

async function saveRating(form, value) {
  const error = form.querySelector("[data-rating-error]");
  error.hidden = true;
  const note = form.elements.note.value;
  const body = value === 0 ? { value } : { value, note: note.trim() ? note : undefined };
  const response = await api(`/api/v1/responses/${form.dataset.responseId}/rating`, { method: "PUT", body });
  if (!response.ok) {
    const problem = await readProblem(response);
    error.textContent = problem.errors?.[0]?.message ?? problem.detail ?? "The rating wasn't saved.";
    error.hidden = false;
    return;
  }
  if (historyList) historyChanged();
  else location.reload();
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest?.("[data-rating-form]");
  if (!form) return;
  event.preventDefault();
  const chosen = form.querySelector("input[name=value]:checked");
  if (!chosen) {
    const error = form.querySelector("[data-rating-error]");
    error.textContent = "Choose Good or Bad first.";
    error.hidden = false;
    return;
  }
  try {
    await saveRating(form, Number(chosen.value));
  } catch (error) {
    if (!(error instanceof SignedOut)) throw error;
  }
});

document.addEventListener("click", async (event) => {
  const clear = event.target.closest?.("[data-clear-rating]");
  if (clear) {
    await saveRating(clear.closest("[data-rating-form]"), 0);
    return;
  }
  const here = event.target.closest?.("[data-rerun-here]");
  if (here) {
    await rerunHere(here);
    return;
  }
  const again = event.target.closest?.("[data-rerun]");
  if (again && runForm) {
    const view = panelView();
    if (runForm.getAttribute("aria-busy") === "true") return;
    again.disabled = true;
    busy(true);
    view.status.textContent = "Starting the re-run…";
    document.getElementById("run")?.scrollIntoView({ block: "start" });
    try {
      const started = rerun(view, again.dataset.rerun);
      // The new run is in the history as soon as it is recorded.
      setTimeout(historyChanged, 500);
      await started;
    } finally {
      busy(false);
      historyChanged();
    }
  }
});

/** The response page's Re-run: the new run streams below, then links to its own page. */
async function rerunHere(button) {
  const box = document.querySelector("[data-rerun-view]");
  const link = box.querySelector("[data-rerun-link]");
  const view = {
    output: box.querySelector("[data-rerun-output]"),
    status: box.querySelector("[data-rerun-status]"),
    fragmentUrl: box.dataset.fragmentUrl,
  };
  button.disabled = true;
  box.hidden = false;
  link.hidden = true;
  view.status.textContent = "Starting the re-run…";
  try {
    const responseId = await rerun(view, button.dataset.rerunHere);
    if (responseId !== null) {
      link.href = `${box.dataset.fragmentUrl}${responseId}`;
      link.hidden = false;
    }
  } finally {
    button.disabled = false;
  }
}

function panelView() {
  return {
    output: document.getElementById("run-output"),
    status: document.getElementById("run-status"),
    fragmentUrl: runForm.dataset.fragmentUrl,
  };
}

function busy(on) {
  runForm.setAttribute("aria-busy", String(on));
  const button = runForm.querySelector("[data-testid=run-button]");
  if (button) button.disabled = on;
}

/** The response page of a run still going: its text continues here. */
async function followOnResponsePage(box) {
  const view = {
    output: box.querySelector("[data-attach-output]"),
    status: box.querySelector("[data-attach-status]"),
    fragmentUrl: box.dataset.fragmentUrl,
  };
  await follow(view, box.dataset.attach);
}

/** The prompt page opened while its latest run is still going: show it in the run panel. */
async function followOnPromptPage() {
  const item = historyList?.querySelector(".history-item");
  if (!item || item.dataset.status !== "running" || !runForm) return;
  const view = panelView();
  busy(true);
  view.status.textContent = "A run is still going: following it…";
  try {
    await follow(view, item.dataset.responseId);
  } finally {
    busy(false);
    historyChanged();
  }
}

for (const form of document.querySelectorAll("#run-form, #compare-form")) markLeftEmpty(form);
const live = document.querySelector("[data-attach]");
try {
  if (live) await followOnResponsePage(live);
  else await followOnPromptPage();
} catch (error) {
  if (!(error instanceof SignedOut)) throw error;
}
