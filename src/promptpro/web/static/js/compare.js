// The compare view: one prompt on 2-6 models, each column streaming on its own; a
// failure in one column leaves the others running.
import { fetchFragment, SignedOut } from "./http.js";
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
  showFieldErrors,
  showProblem,
  startStream,
  variablesOf,
} from "./runner.js";

const form = document.getElementById("compare-form");
const data = pageData();
const runButton = form.querySelector("[data-testid=compare-run]");
const stopButton = document.getElementById("stop-button");
const status = document.getElementById("run-status");
const errorBox = document.getElementById("run-error");
const columnsBox = document.getElementById("compare-columns");
const results = document.getElementById("compare-results");
const placeholder = document.getElementById("compare-placeholder");
const template = document.getElementById("column-template");
const min = Number(form.dataset.min);
const max = Number(form.dataset.max);

let columns = null; // model id -> column state, while a comparison runs

function chosen() {
  return Array.from(form.querySelectorAll("input[name=models]:checked"), (box) => box.value);
}

function modelsError(message) {
  showFieldErrors(form, [{ field: "models", message }]);
}

// At most `max` models: the other boxes are disabled once that many are ticked.
function limitChoice() {
  const full = chosen().length >= max;
  for (const box of form.querySelectorAll("input[name=models]")) box.disabled = full && !box.checked;
}

function makeColumn(model) {
  const node = template.content.firstElementChild.cloneNode(true);
  node.dataset.model = model;
  node.querySelector("[data-column-title]").textContent = modelLabel(form, model);
  const text = document.createTextNode("");
  const pre = document.createElement("pre");
  pre.className = "streaming";
  pre.append(text);
  const column = {
    node,
    text,
    responseId: null,
    ended: false,
    status: node.querySelector("[data-column-status]"),
    output: node.querySelector("[data-column-output]"),
    error: node.querySelector("[data-column-error]"),
  };
  column.output.append(pre);
  column.status.textContent = "Waiting…";
  node.dataset.status = "running";
  return column;
}

async function finish(column, payload, failed) {
  column.ended = true;
  const state = payload.response?.status ?? (failed ? "failed" : "completed");
  column.node.dataset.status = state;
  column.status.textContent = { completed: "Done.", cancelled: "Stopped." }[state] ?? "Failed.";
  if (payload.responseId === null) {
    // Nothing was stored (the problem says why): the streamed text is all there is.
    if (payload.problem) showProblem(column.error, payload.problem, data);
    return;
  }
  try {
    const doc = await fetchFragment(`${form.dataset.fragmentUrl}${payload.responseId}/fragment`);
    column.output.replaceChildren(document.importNode(doc.querySelector(".output-done"), true));
  } catch (error) {
    if (error instanceof SignedOut) throw error;
    // The streamed text stays; the error the stream ended with is shown on its own.
    if (failed && payload.problem) showProblem(column.error, payload.problem, data);
  }
}

async function compare() {
  clearFieldErrors(form);
  errorBox.hidden = true;
  const models = chosen();
  if (models.length < min || models.length > max) {
    modelsError(`Choose ${min} to ${max} models (${models.length} chosen).`);
    return;
  }
  columns = new Map(models.map((model) => [model, makeColumn(model)]));
  columnsBox.replaceChildren(...Array.from(columns.values(), (column) => column.node));
  columnsBox.dataset.count = String(models.length);
  placeholder.hidden = true;
  bringIntoView(results);
  status.textContent = `Starting ${models.length} models…`;
  runButton.disabled = true;

  const body = { models, parameters: parametersOf(form), variables: variablesOf(form) };
  const { response, onFields } = await startStream(form, form.dataset.compareUrl, body, errorBox, data);
  if (!response) {
    columnsBox.replaceChildren();
    placeholder.hidden = false;
    status.textContent = onFields ? "Check the fields marked above." : "The comparison didn't start.";
    return;
  }
  for await (const { event, data: payload } of readEvents(response)) {
    const column = columns.get(payload.model);
    if (!column) continue;
    if (event === "start") {
      // The run is kept as a compare group: compare_group_link.js links to it.
      document.dispatchEvent(new CustomEvent("compare-group", { detail: payload.compareGroupId }));
      column.responseId = payload.responseId;
      column.node.dataset.responseId = String(payload.responseId);
      column.status.textContent = "Streaming…";
      stopButton.disabled = false;
    } else if (event === "delta") {
      column.text.appendData(payload.text);
    } else if (event === "done" || event === "error") {
      await finish(column, payload, event === "error");
    }
  }
  const unfinished = Array.from(columns.values()).filter((column) => !column.ended);
  for (const column of unfinished) column.status.textContent = "Lost the connection; see the prompt's history.";
  status.textContent = "All models have answered.";
}

form.addEventListener("change", limitChoice);
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (columns) return;
  try {
    await compare();
  } catch (error) {
    if (error instanceof SignedOut) return;
    status.textContent = "The connection to the server was lost. The runs go on there: see the prompt's history.";
  } finally {
    columns = null;
    runButton.disabled = false;
    stopButton.disabled = true;
  }
});

stopButton.addEventListener("click", async () => {
  if (!columns) return;
  stopButton.disabled = true;
  status.textContent = "Stopping…";
  const running = Array.from(columns.values()).filter((column) => column.responseId && !column.ended);
  await Promise.allSettled(running.map((column) => cancelRun(column.responseId)));
});

limitChoice();
livePreview(form, data.content);
imageVariables(form);
runOnShortcut(form);
// Enabled only now: a click before this module ran would have submitted the bare form.
runButton.disabled = false;
