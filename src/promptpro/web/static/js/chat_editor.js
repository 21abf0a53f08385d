// The editor's chat prompt: switch between text and chat, and add, remove and reorder
// messages with buttons (keyboard and screen reader friendly: each says which message it
// acts on, focus follows the moved message, and a live region says what happened).

import { variablesIn } from "./editor.js";

const form = document.querySelector("form[data-guard-unsaved]");
const list = form && form.querySelector("[data-message-list]");

function items() {
  return Array.from(list.querySelectorAll("[data-message]"));
}

function say(text) {
  const status = form.querySelector("[data-message-status]");
  if (status) status.textContent = text;
}

// Labels, ids and button names follow each message's place in the list.
function renumber(changed = true) {
  items().forEach((item, index) => {
    const n = index + 1;
    const role = item.querySelector("[data-message-role]");
    const content = item.querySelector("[data-message-content]");
    role.id = `msg-role-${n}`;
    content.id = `msg-content-${n}`;
    item.querySelector("[data-role-label]").htmlFor = role.id;
    item.querySelector("[data-role-label]").textContent = `Message ${n} role`;
    item.querySelector("[data-content-label]").htmlFor = content.id;
    item.querySelector("[data-content-label]").textContent = `Message ${n} text`;
    item.querySelector("[data-message-up]").setAttribute("aria-label", `Move message ${n} up`);
    item.querySelector("[data-message-down]").setAttribute("aria-label", `Move message ${n} down`);
    item.querySelector("[data-message-remove]").setAttribute("aria-label", `Remove message ${n}`);
    item.querySelector("[data-message-up]").disabled = index === 0;
    item.querySelector("[data-message-down]").disabled = index === items().length - 1;
    item.querySelector("[data-message-remove]").disabled = items().length === 1;
  });
  showVariables();
  if (changed) form.dispatchEvent(new Event("input", { bubbles: true })); // drafts, guard
}

// The variables of every message, listed as the text prompt's are.
function showVariables() {
  const box = document.querySelector("#variables-list");
  if (!box || !chosenChat()) return;
  const text = items()
    .map((item) => item.querySelector("[data-message-content]").value)
    .join("\n");
  const names = variablesIn(text);
  box.querySelector("[data-variables-items]").replaceChildren(
    ...names.map((name) => {
      const chip = document.createElement("li");
      chip.className = "chip";
      chip.textContent = name;
      return chip;
    }),
  );
  box.querySelector("[data-variables-empty]").hidden = names.length > 0;
}

function chosenChat() {
  const checked = form.querySelector("[data-type-choice]:checked");
  return checked && checked.value === "chat";
}

// Only the chosen kind's fields are sent (and checked by the browser).
function showType(event) {
  const chat = chosenChat();
  for (const section of form.querySelectorAll("[data-type-section]")) {
    const on = section.dataset.typeSection === (chat ? "chat" : "text");
    section.hidden = !on;
    if (section.tagName === "FIELDSET") section.disabled = !on;
    for (const field of section.querySelectorAll("textarea[name=content]")) {
      field.disabled = !on;
      field.required = on;
    }
  }
  if (chat) showVariables();
  else if (event) {
    const content = form.querySelector("textarea[name=content]");
    if (content) content.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

function addMessage() {
  const last = items().at(-1);
  const copy = last.cloneNode(true);
  copy.querySelector("[data-message-content]").value = "";
  // A conversation goes on with the other side: after a user message, the assistant's.
  const role = last.querySelector("[data-message-role]").value;
  copy.querySelector("[data-message-role]").value = role === "user" ? "assistant" : "user";
  list.append(copy);
  renumber();
  copy.querySelector("[data-message-content]").focus();
  say(`Message ${items().length} added.`);
}

function move(item, step) {
  const all = items();
  const index = all.indexOf(item);
  const target = all[index + step];
  if (!target) return;
  if (step < 0) target.before(item);
  else target.after(item);
  renumber();
  const button = item.querySelector(step < 0 ? "[data-message-up]" : "[data-message-down]");
  (button.disabled ? item.querySelector("[data-message-content]") : button).focus();
  say(`Message moved to place ${index + step + 1}.`);
}

function remove(item) {
  if (items().length === 1) return;
  const index = items().indexOf(item);
  item.remove();
  renumber();
  const next = items()[Math.min(index, items().length - 1)];
  next.querySelector("[data-message-content]").focus();
  say(`Message ${index + 1} removed.`);
}

if (form && list) {
  form.querySelector("[data-message-add]").addEventListener("click", addMessage);
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    const item = button && button.closest("[data-message]");
    if (!item) return;
    if (button.matches("[data-message-up]")) move(item, -1);
    else if (button.matches("[data-message-down]")) move(item, 1);
    else if (button.matches("[data-message-remove]")) remove(item);
  });
  list.addEventListener("input", showVariables);
  for (const radio of form.querySelectorAll("[data-type-choice]")) {
    radio.addEventListener("change", showType);
  }
  renumber(false);
  showType(null);
}
