// A test set's page: edit rows in the table, paste or import rows, save the set's
// assertions, all through the JSON API. Nothing works until this module has loaded (the
// buttons start disabled), so nothing half-works without it.
import { api, csrfToken, guardedBy, readProblem } from "./http.js";

const root = document.querySelector("[data-test-set]");
const setId = root?.dataset.testSet;
const base = `/api/v1/test-sets/${setId}`;
const status = root?.querySelector("[data-ts-status]");
const table = root?.querySelector("[data-ts-table]");
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function say(message, kind = "ok") {
  status.textContent = message;
  status.dataset.kind = kind;
}

/** A problem as one sentence: its detail and the fields at fault. */
function describe(problem) {
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`).filter(Boolean);
  const detail = problem.detail || problem.title || "Something went wrong.";
  return fields.length && !detail.includes(fields[0]) ? `${detail} (${fields.join("; ")})` : detail;
}

async function failed(response) {
  say(describe(await readProblem(response)), "error");
}

function columns() {
  return [...table.querySelectorAll("thead th[data-column]")].map((th) => th.dataset.column);
}

function cellInput(column, rowNumber, value = "") {
  const td = document.createElement("td");
  const input = document.createElement("input");
  input.type = "text";
  input.autocomplete = "off";
  input.dataset.variable = column;
  input.value = value;
  input.setAttribute("aria-label", `${column}, row ${rowNumber}`);
  td.append(input);
  return td;
}

function actionButton(label, rowNumber, data, subtle) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = subtle ? "button small subtle" : "button small";
  button.setAttribute(data, "");
  const hidden = document.createElement("span");
  hidden.className = "visually-hidden";
  hidden.textContent = ` row ${rowNumber}`;
  button.append(label, hidden);
  return button;
}

function addRow() {
  const tbody = table.querySelector("tbody");
  const number = tbody.rows.length + 1;
  const tr = document.createElement("tr");
  tr.dataset.testid = "test-row";
  tr.setAttribute("data-testid", "test-row");
  for (const column of columns()) tr.append(cellInput(column, number));
  const expected = document.createElement("td");
  const textarea = document.createElement("textarea");
  textarea.rows = 1;
  textarea.dataset.expected = "";
  textarea.setAttribute("aria-label", `expected, row ${number}`);
  expected.append(textarea);
  const actions = document.createElement("td");
  actions.className = "row-actions";
  actions.append(actionButton("Save", number, "data-save-row"), " ");
  actions.append(actionButton("Delete", number, "data-delete-row", true));
  tr.append(expected, actions);
  tbody.append(tr);
  tr.querySelector("input, textarea")?.focus();
}

function addColumn(name) {
  if (!VARIABLE.test(name)) {
    say("A column is a variable name: letters, digits and _, not starting with a digit.", "error");
    return false;
  }
  if (columns().includes(name)) {
    say(`There is already a column ${name}.`, "error");
    return false;
  }
  const th = document.createElement("th");
  th.scope = "col";
  th.dataset.column = name;
  th.textContent = name;
  table.querySelector("thead th[data-expected-column]").before(th);
  [...table.querySelector("tbody").rows].forEach((tr, index) => {
    tr.querySelector("textarea[data-expected]").closest("td").before(cellInput(name, index + 1));
  });
  say(`Column ${name} added: fill it in and save the rows.`);
  return true;
}

function rowBody(tr) {
  const variables = {};
  for (const input of tr.querySelectorAll("input[data-variable]")) {
    if (input.value !== "") variables[input.dataset.variable] = input.value;
  }
  const expected = tr.querySelector("textarea[data-expected]").value;
  return { variables, expected: expected === "" ? null : expected };
}

async function saveRow(tr) {
  const id = tr.dataset.rowId;
  const response = await api(id ? `${base}/rows/${id}` : `${base}/rows`, {
    method: id ? "PATCH" : "POST",
    body: rowBody(tr),
  });
  if (!response.ok) return failed(response);
  const row = await response.json();
  tr.dataset.rowId = String(row.id);
  say(id ? "Row saved." : "Row added.");
}

async function deleteRow(tr) {
  const id = tr.dataset.rowId;
  if (id) {
    const response = await api(`${base}/rows/${id}`, { method: "DELETE" });
    if (!response.ok && response.status !== 404) return failed(response);
  }
  tr.remove();
  say("Row deleted.");
}

/** Send a file's text (or a File) to the import endpoint; reload the page when done. */
async function importRows(body, format) {
  const response = await fetch(`${base}/import?format=${format}`, {
    method: "POST",
    headers: {
      "Content-Type": format === "csv" ? "text/csv" : "application/x-ndjson",
      "X-CSRF-Token": csrfToken(),
      Accept: "application/json",
    },
    body,
    credentials: "same-origin",
  });
  if (!response.ok) return failed(response);
  const result = await response.json();
  location.assign(`/test-sets/${setId}?done=rows-imported&n=${result.imported}#rows`);
}

function formatOf(file, chosen) {
  if (chosen) return chosen;
  return /\.(jsonl|ndjson)$/i.test(file.name) ? "jsonl" : "csv";
}

async function saveAssertions(form) {
  let assertions;
  try {
    assertions = JSON.parse(form.elements.assertions.value || "[]");
  } catch (error) {
    say(`The assertions are not valid JSON: ${error.message}`, "error");
    return;
  }
  const raw = form.elements.threshold.value;
  const body = { assertions, threshold: raw === "" ? null : Number(raw) };
  const response = await api(base, { method: "PATCH", body });
  if (!response.ok) return failed(response);
  say("Assertions saved.");
}

const guarded = guardedBy(say);

if (root) {
  root.addEventListener("click", (event) => {
    const target = event.target.closest?.("button");
    if (!target) return;
    const tr = target.closest("tr");
    if (target.hasAttribute("data-save-row")) guarded(() => saveRow(tr));
    else if (target.hasAttribute("data-delete-row")) guarded(() => deleteRow(tr));
    else if (target.hasAttribute("data-add-row")) addRow();
  });
  root.addEventListener("submit", (event) => {
    const form = event.target;
    event.preventDefault();
    if (form.matches("[data-add-column]")) {
      if (addColumn(form.elements.column.value.trim())) form.reset();
    } else if (form.matches("[data-paste-form]")) {
      guarded(() => importRows(form.elements.rows.value, "csv"));
    } else if (form.matches("[data-import-form]")) {
      const file = form.elements.file.files[0];
      if (file) guarded(() => importRows(file, formatOf(file, form.elements.format.value)));
    } else if (form.matches("[data-assertions-form]")) {
      guarded(() => saveAssertions(form));
    }
  });
  for (const button of root.querySelectorAll("button[disabled]")) button.disabled = false;
}
