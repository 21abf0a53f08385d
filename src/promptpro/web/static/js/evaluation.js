// An evaluation's page: live progress while it runs, the filters applied in place, ratings
// on outputs, cancel and retry. Live, it follows the evaluation's event stream and asks
// the server for the rows whose cells finished, rendered as the page renders them, so
// the grid has one rendering. Without this module the page shows the evaluation as it
// was when loaded and the filters work as links; its buttons start disabled.
import { api, fetchFragment, guardedBy, readProblem, SignedOut } from "./http.js";
import { readEvents } from "./sse.js";

const root = document.querySelector("[data-evaluation]");
const id = root?.dataset.evaluation;
const OPEN = new Set(["queued", "running"]);
const COUNTED = ["passed", "failed", "errored", "cancelled"];
const REFRESH_MS = 250; // cells finishing together are fetched together
const RECONNECTS = 5;
const MATCHES = {
  failures: (row) => row.dataset.failing === "true",
  disagree: (row) => row.dataset.disagree === "true",
};

let filter = new URLSearchParams(location.search).get("filter") ?? "";
let following = false;
let scheduled = false;
let refreshing = Promise.resolve();
const dirty = new Set(); // row indexes to fetch again

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function say(message, kind = "ok") {
  const status = root.querySelector("[data-eval-message]");
  status.textContent = message;
  status.dataset.kind = kind;
}

async function failed(response) {
  const problem = await readProblem(response);
  say(problem.detail || problem.title || "Something went wrong.", "error");
}

// --- progress ------------------------------------------------------------------------

function count(status) {
  return Number(root.querySelector(`[data-count="${status}"]`).textContent);
}

function setCount(status, value) {
  root.querySelector(`[data-count="${status}"]`).textContent = String(value);
  if (status === "cancelled") root.querySelector('[data-count-wrap="cancelled"]').hidden = value === 0;
  const finished = COUNTED.reduce((sum, name) => sum + count(name), 0);
  root.querySelector("[data-finished]").textContent = String(finished);
  root.querySelector("[data-eval-bar]").value = finished;
}

function setStatus(status) {
  const badge = root.querySelector("[data-eval-status]");
  badge.textContent = status;
  badge.className = `status-badge status-${status}`;
  root.dataset.live = String(OPEN.has(status));
  const cancel = root.querySelector("[data-cancel]");
  const retry = root.querySelector("[data-retry]");
  if (cancel) cancel.hidden = !OPEN.has(status);
  if (retry) retry.hidden = OPEN.has(status) || count("failed") + count("errored") === 0;
}

/** The progress line from an evaluation as the API reads it (snapshot, done, retry). */
function showProgress(evaluation) {
  for (const status of COUNTED) setCount(status, evaluation.progress[status] ?? 0);
  setStatus(evaluation.status);
}

// --- rows ----------------------------------------------------------------------------

function rowAt(index) {
  return root.querySelector(`tr[data-row="${index}"]`);
}

function markRows(selector) {
  for (const element of root.querySelectorAll(selector)) {
    dirty.add(Number(element.closest("tr[data-row]").dataset.row));
  }
}

function refreshSoon() {
  if (scheduled) return;
  scheduled = true;
  setTimeout(() => {
    scheduled = false;
    refresh();
  }, REFRESH_MS);
}

/** Fetch the marked rows (and the column summaries if asked) and swap them in, in turn. */
function refresh({ summary = false } = {}) {
  refreshing = refreshing.then(() => swapIn(summary)).catch((error) => {
    if (!(error instanceof SignedOut)) say("The grid could not be refreshed: reload the page.", "error");
  });
  return refreshing;
}

async function swapIn(summary) {
  const rows = [...dirty];
  dirty.clear();
  if (!rows.length && !summary) return;
  const query = new URLSearchParams({ rows: rows.join(",") });
  if (summary) query.set("summary", "true");
  const doc = await fetchFragment(`/evaluations/${id}/fragment?${query}`);
  const fresh = doc.querySelector("[data-eval-summary]");
  if (fresh) root.querySelector("[data-eval-summary]").replaceWith(document.importNode(fresh, true));
  for (const row of doc.querySelector("template[data-rows]").content.querySelectorAll("tr[data-row]")) {
    swapRow(row);
  }
  showRows();
}

/** A row as the server has it now: only its changed cells are replaced, so an output the
 * reader opened elsewhere in the row stays open (and a note being written stays). */
function swapRow(fresh) {
  const row = rowAt(fresh.dataset.row);
  if (!row) return;
  row.dataset.failing = fresh.dataset.failing;
  row.dataset.disagree = fresh.dataset.disagree;
  const cells = fresh.querySelectorAll("td[data-testid=grid-cell]");
  row.querySelectorAll("td[data-testid=grid-cell]").forEach((td, index) => {
    const next = cells[index];
    if (!next || next.dataset.stamp === td.dataset.stamp) return;
    if (td.querySelector("[data-note-form]")?.contains(document.activeElement)) return;
    const copy = document.importNode(next, true);
    enable(copy);
    td.replaceWith(copy);
  });
}

function enable(element) {
  for (const button of element.querySelectorAll("button[disabled]")) button.disabled = false;
}

// --- filters -------------------------------------------------------------------------

function showRows() {
  const matches = MATCHES[filter] ?? (() => true);
  let shown = 0;
  for (const row of root.querySelectorAll("tr[data-row]")) {
    row.hidden = !matches(row);
    if (!row.hidden) shown += 1;
  }
  root.querySelector("[data-rows-shown]").textContent = String(shown);
}

function choose(link) {
  filter = link.dataset.filter;
  for (const other of root.querySelectorAll("a[data-filter]")) {
    const active = other === link;
    other.classList.toggle("active", active);
    if (active) other.setAttribute("aria-current", "true");
    else other.removeAttribute("aria-current");
  }
  const url = new URL(location.href);
  if (filter) url.searchParams.set("filter", filter);
  else url.searchParams.delete("filter");
  history.replaceState(null, "", url);
  showRows();
}

// --- following -----------------------------------------------------------------------

function onSnapshot(evaluation) {
  // Cells that finished between the page's rendering and this snapshot send no event:
  // what the page shows as still open is fetched again whenever the counts moved.
  const moved = COUNTED.some((status) => count(status) !== (evaluation.progress[status] ?? 0));
  if (moved) {
    markRows("td[data-state=pending], td[data-state=running]");
    refreshSoon();
  }
  showProgress(evaluation);
}

function onCell(cell) {
  if (COUNTED.includes(cell.status)) setCount(cell.status, count(cell.status) + 1);
  if (rowAt(cell.rowIndex)) dirty.add(cell.rowIndex);
  refreshSoon();
}

async function onDone(evaluation) {
  showProgress(evaluation);
  markRows("td[data-state=pending], td[data-state=running]");
  await refresh({ summary: true });
  const ended = { completed: "Done.", cancelled: "Cancelled: the finished cells keep their results." };
  say(ended[evaluation.status] ?? `The evaluation ended: ${evaluation.status}.`);
}

/** Follow the evaluation to its end; a dropped connection is followed again (the new
 * snapshot covers what was missed). Resolves once it has ended. */
async function follow() {
  if (following) return;
  following = true;
  try {
    for (let attempt = 1; attempt <= RECONNECTS; attempt += 1) {
      try {
        const response = await api(`/api/v1/evaluations/${id}/events`, { accept: "text/event-stream" });
        if (!response.ok) return await failed(response);
        for await (const { event, data } of readEvents(response)) {
          if (event === "snapshot") onSnapshot(data);
          else if (event === "cell") onCell(data);
          else if (event === "done") return await onDone(data);
          else if (event === "error") return say(data.detail || data.title, "error");
        }
      } catch (error) {
        if (error instanceof SignedOut) return;
      }
      await sleep(1000 * attempt);
    }
    say("The connection to the server was lost: reload the page for the latest results.", "error");
  } finally {
    following = false;
  }
}

// --- actions -------------------------------------------------------------------------

async function cancel() {
  const response = await api(`/api/v1/evaluations/${id}/cancel`, { method: "POST" });
  if (!response.ok) return failed(response);
  showProgress(await response.json());
  say("Cancelling…");
  // The stream sends the cancelled cells and then its end; without one, refresh here.
  if (!following) {
    markRows("td[data-state=pending], td[data-state=running]");
    await refresh({ summary: true });
    say("Cancelled: the finished cells keep their results.");
  }
}

async function retry() {
  const response = await api(`/api/v1/evaluations/${id}/retry`, { method: "POST" });
  if (!response.ok) return failed(response);
  markRows('tr[data-failing="true"] > th');
  showProgress(await response.json());
  say("Retrying the failed and errored cells…");
  await refresh();
  await follow();
}

// --- ratings -------------------------------------------------------------------------

function noteOf(group) {
  return group.querySelector(".eval-note")?.textContent ?? "";
}

/** Rate every repeat that gave this output (they answered the same), then show the row
 * and the column summaries as the server counts them. */
async function rate(group, value, note) {
  for (const cellId of group.dataset.ratingFor.split(",")) {
    const body = value ? { value, note: note || null } : { value: 0 };
    const response = await api(`/api/v1/evaluations/${id}/cells/${cellId}/rating`, { method: "PUT", body });
    if (!response.ok) return failed(response);
  }
  const row = Number(group.closest("tr[data-row]").dataset.row);
  group.querySelector("[data-note-form]")?.remove(); // saved: the refreshed cell shows it
  dirty.add(row);
  await refresh({ summary: true });
  say(value ? "Rating saved." : "Rating cleared.");
}

function editNote(group) {
  if (group.querySelector("[data-note-form]")) return;
  const form = document.createElement("form");
  form.className = "eval-note-form";
  form.dataset.noteForm = "";
  const label = document.createElement("label");
  const textarea = document.createElement("textarea");
  textarea.name = "note";
  textarea.rows = 2;
  textarea.maxLength = 1000;
  textarea.value = noteOf(group);
  label.append("Note", textarea);
  const save = document.createElement("button");
  save.type = "submit";
  save.className = "button small primary";
  save.textContent = "Save note";
  form.append(label, save);
  group.append(form);
  textarea.focus();
}

const guarded = guardedBy(say);

if (root) {
  root.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[data-filter]");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      choose(link);
      return;
    }
    const button = event.target.closest?.("button");
    if (!button) return;
    const group = button.closest("[data-rating-for]");
    if (button.hasAttribute("data-cancel")) guarded(cancel);
    else if (button.hasAttribute("data-retry")) guarded(retry);
    else if (group && button.dataset.rate) {
      const value = Number(button.dataset.rate);
      const again = Number(group.dataset.rating) === value; // pressing it again clears it
      guarded(() => rate(group, again ? 0 : value, noteOf(group)));
    } else if (group && button.hasAttribute("data-note-edit")) editNote(group);
  });
  root.addEventListener("submit", (event) => {
    const form = event.target.closest("[data-note-form]");
    if (!form) return;
    event.preventDefault();
    const group = form.closest("[data-rating-for]");
    const value = Number(group.dataset.rating);
    if (!value) {
      say("Give the output a thumbs up or down first: a note goes with a rating.", "error");
      return;
    }
    guarded(() => rate(group, value, form.elements.note.value.trim()));
  });
  enable(root);
  if (root.dataset.live === "true") follow();
}
