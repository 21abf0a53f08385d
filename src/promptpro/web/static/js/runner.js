// What the run panel and the compare view share: reading the form, the preview,
// field errors, advice for failed runs, and cancelling.
import { api, problemSlug, readProblem } from "./http.js";

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const NUMBERS = { temperature: Number, maxTokens: Number, topP: Number };
const ESCAPES = { "\\n": "\n", "\\t": "\t", "\\\\": "\\" };

/** The page's data block: the prompt's text, the advice table, the keys page. */
export function pageData() {
  return JSON.parse(document.getElementById("run-data").textContent);
}

/** The variables typed into the form, by name. */
export function variablesOf(form) {
  const values = {};
  for (const field of form.querySelectorAll("[data-variable]")) {
    // A variable given an image (images.js) sends its upload, not its text.
    values[field.dataset.variable] = field.dataset.imageId ? { image: field.dataset.imageId } : field.value;
  }
  return values;
}

/** The text variables only (an estimate counts text; an image is left out). */
export function textVariablesOf(form) {
  return Object.fromEntries(Object.entries(variablesOf(form)).filter(([, value]) => typeof value === "string"));
}

/** The prompt with the variables filled in, as the server will: a field left empty is an
 * empty value (the form marks it "(left empty)"); only one the form lacks stays a placeholder. */
export function fillIn(template, values) {
  return template.replace(PLACEHOLDER, (whole, name) => {
    if (!(name in values)) return whole;
    return typeof values[name] === "string" ? values[name] : `[image: ${name}]`;
  });
}

/** A stop sequence as typed on one line: \n is a line break, \t a tab (as the editor saves). */
function decodeStop(line) {
  return line.replace(/\\[nt\\]/g, (pair) => ESCAPES[pair]);
}

/** The parameters of the form that are filled in (the prompt's own fill the rest). */
export function parametersOf(form) {
  const parameters = {};
  for (const [name, convert] of Object.entries(NUMBERS)) {
    const raw = form.elements[`parameters.${name}`]?.value.trim();
    if (raw) parameters[name] = convert(raw);
  }
  const system = form.elements["parameters.system"]?.value;
  if (system?.trim()) parameters.system = system;
  const stop = form.elements["parameters.stop"]?.value.split(/\r?\n/).filter(Boolean).map(decodeStop);
  if (stop?.length) parameters.stop = stop;
  return Object.keys(parameters).length ? parameters : undefined;
}

/** Clear every field error shown in `form`. */
export function clearFieldErrors(form) {
  for (const message of form.querySelectorAll("[data-error-for]")) {
    message.hidden = true;
    message.textContent = "";
  }
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
}

/** Show a 422's messages next to their fields; true if every one found its field. */
export function showFieldErrors(form, errors) {
  let placed = 0;
  for (const { field, message } of errors ?? []) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
    if (!slot) continue;
    slot.textContent = message;
    slot.hidden = false;
    const control = form.elements[field];
    if (control instanceof Element) {
      control.setAttribute("aria-invalid", "true");
      const ids = new Set((control.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean));
      ids.add(slot.id);
      control.setAttribute("aria-describedby", [...ids].join(" "));
    }
    if (!placed) (control instanceof Element ? control : slot).focus?.();
    placed += 1;
  }
  return placed > 0 && placed === (errors ?? []).length;
}

/** A problem's detail as the page says it: the advice's own words where the problem's
 * speak to API clients (a missing key: "PUT /api/v1/keys/…"). */
function pageDetail(problem, advice, data) {
  if (!advice?.detail) return problem.detail ?? "";
  const provider = data.providers?.[problem.provider] ?? problem.provider ?? "such";
  return advice.detail.replace("{provider}", provider);
}

/** Fill `box` with what went wrong and what to do about it (DOM nodes, never HTML). */
export function showProblem(box, problem, data) {
  const lead = document.createElement("p");
  const title = document.createElement("strong");
  title.textContent = `${problem.title || "The run failed"}.`;
  const advice = data.advice[problemSlug(problem)];
  lead.append(title, ` ${pageDetail(problem, advice, data)}`);
  const nodes = [lead];
  if (advice) {
    const tip = document.createElement("p");
    tip.append(advice.text);
    if (advice.keys) {
      const link = document.createElement("a");
      link.href = data.keysPage;
      link.textContent = "Go to Settings › Keys";
      tip.append(" ", link, ".");
    }
    nodes.push(tip);
  }
  box.replaceChildren(...nodes);
  box.dataset.problem = problemSlug(problem);
  box.hidden = false;
}

/**
 * POST a run (or comparison) asking for its events: `{response}` when it started. When it
 * was refused, `response` is null and the problem is shown, on the form's fields if it is
 * a 422 naming them (`onFields`), in `errorBox` otherwise.
 */
export async function startStream(form, url, body, errorBox, data) {
  const response = await api(url, { method: "POST", body, accept: "text/event-stream" });
  if (response.ok) return { response, onFields: false };
  const problem = await readProblem(response);
  const onFields = Boolean(problem.status === 422 && problem.errors?.length && showFieldErrors(form, problem.errors));
  if (!onFields) showProblem(errorBox, problem, data);
  return { response: null, onFields };
}

/** Ask the server to stop a run (one that has already ended answers 409: fine). */
export async function cancelRun(responseId) {
  const response = await api(`/api/v1/responses/${responseId}/cancel`, { method: "POST" });
  return response.ok || response.status === 409;
}

/** Run the form's submit on Ctrl+Enter or Cmd+Enter, from anywhere on the page. */
export function runOnShortcut(form) {
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.repeat) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}

/** Keep the preview showing the prompt as it will be sent. */
export function livePreview(form, template) {
  const preview = document.getElementById("run-preview");
  const update = () => {
    preview.textContent = fillIn(template, variablesOf(form));
  };
  form.addEventListener("input", update);
  update();
}

/** The names of a model, as the picker shows them. */
export function modelLabel(form, modelId) {
  const option = Array.from(form.querySelectorAll("option, input[type=checkbox]")).find(
    (el) => el.value === modelId,
  );
  if (!option) return modelId;
  if (option instanceof HTMLOptionElement) return option.textContent.replace(/ — no key$/, "").trim();
  return form.querySelector(`label[for="${CSS.escape(option.id)}"]`)?.textContent.trim() ?? modelId;
}

/**
 * Bring a run's answer into sight as the run starts: on a narrow screen it is below the
 * form. Left alone when its top is already in the upper part of the screen (the wide
 * workbench), so the page doesn't jump.
 */
export function bringIntoView(element) {
  const top = element.getBoundingClientRect().top;
  if (top >= 0 && top < window.innerHeight * 0.6) return;
  const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  element.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
}
