// The prompt page's run panel: run (button or Ctrl/Cmd+Enter), stream the answer in as
// plain text, then show it rendered by the server; stop; keep the history current.
import { localTimes } from "./common.js";
import { api, appendPage, fetchFragment, SignedOut } from "./http.js";
import { imageVariables } from "./images.js";
import { readEvents } from "./sse.js";
import {
  bringIntoView,
  cancelRun,
  clearFieldErrors,
  livePreview,
  modelLabel,
  pageData,
  parametersOf,
  runOnShortcut,
  showProblem,
  startStream,
  variablesOf,
} from "./runner.js";

const POLL_MS = 2000;
const form = document.getElementById("run-form");
const data = pageData();
const runButton = form.querySelector("[data-testid=run-button]");
const stopButton = document.getElementById("stop-button");
const status = document.getElementById("run-status");
const errorBox = document.getElementById("run-error");
const output = document.getElementById("run-output");
const result = document.getElementById("run-result");
const placeholder = document.getElementById("run-placeholder");
const historyList = document.getElementById("history-list");

let running = null; // {responseId} while a run streams

function setRunning(on) {
  runButton.disabled = on;
  stopButton.disabled = true;
  form.setAttribute("aria-busy", String(on));
  if (!on) running = null;
}

function say(text) {
  status.textContent = text;
}

/** Replace the streamed text with the stored answer, rendered (and its error, if any). */
async function showFinished(responseId, problem) {
  if (responseId === null) {
    // Nothing was stored (the problem says why): the streamed text is all there is.
    if (problem) showProblem(errorBox, problem, data);
    return;
  }
  try {
    const doc = await fetchFragment(`${form.dataset.fragmentUrl}${responseId}/fragment`);
    const done = doc.querySelector(".output-done");
    output.replaceChildren(document.importNode(done, true));
    output.dataset.status = done.dataset.status;
  } catch (error) {
    if (error instanceof SignedOut) throw error;
    // The streamed text stays on screen, the history has the stored answer; the error
    // the stream ended with is shown on its own.
    if (problem) showProblem(errorBox, problem, data);
  }
}

async function refreshHistory() {
  try {
    const doc = await fetchFragment(historyList.dataset.historyUrl);
    historyList.replaceChildren();
    const holder = document.createElement("p");
    historyList.after(holder);
    document.querySelector("#history [data-load-more-container]")?.remove();
    appendPage(doc, historyList, holder);
    document.querySelector("[data-history-empty]")?.remove();
    localTimes(historyList);
    watchRunning();
  } catch (error) {
    if (!(error instanceof SignedOut)) console.warn("history refresh failed", error);
  }
}

async function run() {
  clearFieldErrors(form);
  errorBox.hidden = true;
  const model = form.elements.model.value;
  const body = { model: model || undefined, parameters: parametersOf(form), variables: variablesOf(form) };
  setRunning(true);
  running = {};
  say(`Starting ${modelLabel(form, model)}…`);
  const text = document.createTextNode("");
  const streaming = document.createElement("pre");
  streaming.className = "streaming";
  streaming.dataset.testid = "run-stream";
  streaming.append(text);
  output.replaceChildren(streaming);
  output.hidden = false;
  output.dataset.status = "running";
  placeholder.hidden = true;
  bringIntoView(result);

  const { response, onFields } = await startStream(form, form.dataset.runUrl, body, errorBox, data);
  if (!response) {
    output.hidden = true;
    placeholder.hidden = !onFields; // a refusal shows in the answer's place
    say(onFields ? "Check the fields marked above." : "The run didn't start.");
    return;
  }
  if (!response.headers.get("content-type")?.includes("text/event-stream")) {
    const stored = await response.json();
    await showFinished(stored.id);
    say("Done.");
    return;
  }
  let responseId = null;
  for await (const { event, data: payload } of readEvents(response)) {
    if (event === "start") {
      responseId = payload.responseId;
      running = { responseId };
      stopButton.disabled = false;
      say(`Streaming from ${modelLabel(form, payload.model)}…`);
      refreshHistory();
    } else if (event === "delta") {
      // On a wide screen the answer scrolls within its box: keep its newest text in sight,
      // unless the reader scrolled up to read.
      const following = output.scrollHeight - output.scrollTop - output.clientHeight < 40;
      text.appendData(payload.text);
      if (following) output.scrollTop = output.scrollHeight;
    } else if (event === "done" || event === "error") {
      stopButton.disabled = true;
      await showFinished(payload.responseId, event === "error" ? payload.problem : null);
      const state = payload.response?.status ?? (event === "done" ? "completed" : "failed");
      say(state === "completed" ? "Done." : state === "cancelled" ? "Stopped." : "The run failed.");
    }
  }
  if (responseId === null) say("The connection ended before the run started. Try again.");
  await refreshHistory();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (running) return;
  try {
    await run();
  } catch (error) {
    if (error instanceof SignedOut) return;
    say("The connection to the server was lost. The run goes on there: see the history.");
    await refreshHistory();
  } finally {
    setRunning(false);
  }
});

stopButton.addEventListener("click", async () => {
  if (!running?.responseId) return;
  stopButton.disabled = true;
  say("Stopping…");
  try {
    await cancelRun(running.responseId);
  } catch (error) {
    if (!(error instanceof SignedOut)) say("Couldn't stop the run. Try again.");
  }
});

// Runs still going (started here before, or elsewhere): stop buttons, and a refresh once
// they end, so coming back mid-run shows it running and then finished.
let polling = null;
function watchRunning() {
  clearTimeout(polling);
  const ids = Array.from(historyList.querySelectorAll("[data-status=running]"), (item) => item.dataset.responseId);
  if (!ids.length) return;
  polling = setTimeout(async () => {
    try {
      const states = await Promise.all(
        ids.map(async (id) => (await (await api(`/api/v1/responses/${id}`)).json()).status),
      );
      if (states.some((state) => state !== "running")) await refreshHistory();
      else watchRunning();
    } catch (error) {
      if (!(error instanceof SignedOut)) watchRunning();
    }
  }, POLL_MS);
}

historyList.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-cancel-response]");
  if (!button) return;
  button.disabled = true;
  await cancelRun(button.dataset.cancelResponse);
  await refreshHistory();
});

// Another module (a re-run, a rating, a run followed after a reload) changed the history.
document.addEventListener("promptpro:history-stale", () => refreshHistory());
livePreview(form, data.content);
imageVariables(form);
runOnShortcut(form);
watchRunning();
// Enabled only now: a click before this module ran would have submitted the bare form.
runButton.disabled = false;
