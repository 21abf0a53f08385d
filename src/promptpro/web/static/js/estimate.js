// The estimate next to the Run button: what the next run should cost, fetched again
// (debounced) as the model, variables or parameters change.
import { api, SignedOut } from "./http.js";
import { parametersOf, textVariablesOf } from "./runner.js";

const DEBOUNCE_MS = 400;
const METHODS = {
  provider: "counted by the provider",
  tokenizer: "counted with OpenAI's tokenizer",
  heuristic: "rough estimate, 4 characters a token",
};
const form = document.getElementById("run-form");
const shown = document.getElementById("run-estimate");
let timer = null;
let asked = 0; // answers to older questions are dropped (not aborted: no failed requests)

function usd(value) {
  if (value === null || value === undefined) return "no price";
  if (value >= 1) return `$${value.toFixed(2)}`;
  if (value >= 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toFixed(6)}`;
}

async function refresh() {
  const model = form.elements.model?.value;
  if (!model) {
    shown.textContent = "";
    shown.removeAttribute("aria-busy");
    return;
  }
  const mine = ++asked;
  const body = { model, variables: textVariablesOf(form), parameters: parametersOf(form) };
  shown.setAttribute("aria-busy", "true"); // until the newest question is answered
  try {
    const response = await api(`/api/v1/prompts/${form.dataset.promptId}/estimate`, {
      method: "POST",
      body,
    });
    if (mine !== asked) return;
    if (!response.ok) {
      shown.textContent = "";
      return;
    }
    const estimate = await response.json();
    if (mine !== asked) return;
    shown.textContent = `Estimate: ${usd(estimate.costUsd)} · ${estimate.inputTokens.toLocaleString()} in + up to ${estimate.outputTokens.toLocaleString()} out tokens (${METHODS[estimate.method] || estimate.method})`;
    shown.dataset.method = estimate.method;
  } catch (error) {
    if (error instanceof SignedOut || mine !== asked) return;
    shown.textContent = "";
  } finally {
    if (mine === asked) shown.removeAttribute("aria-busy");
  }
}

function soon() {
  // Busy from the change on, not from the question: the shown estimate is out of date.
  shown.setAttribute("aria-busy", "true");
  clearTimeout(timer);
  timer = setTimeout(refresh, DEBOUNCE_MS);
}

if (form && shown) {
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
  refresh();
}
