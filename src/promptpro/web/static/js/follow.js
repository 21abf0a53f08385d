// Showing a run's events as they come: a run started here (a re-run), or one that was
// already going when the page was opened (followed from its start, then live).
import { api, fetchFragment, SignedOut } from "./http.js";
import { readEvents } from "./sse.js";

const ENDINGS = { completed: "Done.", cancelled: "Stopped.", failed: "The run failed." };

/**
 * Stream a text/event-stream `response` into `view` ({output, status, fragmentUrl}): the
 * text as plain text while it comes, then the stored answer rendered by the server.
 * Resolves with the response id once the run has ended (null if it never started).
 */
export async function streamInto(view, response) {
  const text = document.createTextNode("");
  const streaming = document.createElement("pre");
  streaming.className = "streaming";
  streaming.dataset.testid = "run-stream";
  streaming.append(text);
  view.output.replaceChildren(streaming);
  view.output.hidden = false;
  view.output.dataset.status = "running";
  let responseId = null;
  for await (const { event, data } of readEvents(response)) {
    if (event === "start") {
      responseId = data.responseId;
      view.status.textContent = "Streaming…";
    } else if (event === "delta") {
      text.appendData(data.text);
    } else if (event === "done" || event === "error") {
      const state = data.response?.status ?? (event === "done" ? "completed" : "failed");
      await showStored(view, data.responseId, data.problem);
      view.status.textContent = ENDINGS[state] ?? ENDINGS.failed;
    }
  }
  return responseId;
}

async function showStored(view, responseId, problem) {
  if (responseId === null || responseId === undefined) {
    if (problem) view.status.textContent = `${problem.title}. ${problem.detail ?? ""}`;
    return;
  }
  try {
    const doc = await fetchFragment(`${view.fragmentUrl}${responseId}/fragment`);
    const done = doc.querySelector(".output-done");
    view.output.replaceChildren(document.importNode(done, true));
    view.output.dataset.status = done.dataset.status;
  } catch (error) {
    if (error instanceof SignedOut) throw error;
    // The streamed text stays on screen; the stored answer is in the history.
  }
}

/** Follow a run that is (or was) going: what it produced so far, then live, to its end. */
export async function follow(view, responseId) {
  const response = await api(`/api/v1/responses/${responseId}/events`, { accept: "text/event-stream" });
  if (!response.ok) return null;
  return streamInto(view, response);
}

/** Run a response again exactly, streaming the new run into `view`. */
export async function rerun(view, responseId) {
  const response = await api(`/api/v1/responses/${responseId}/rerun`, {
    method: "POST",
    accept: "text/event-stream",
  });
  if (!response.ok) {
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      // not JSON: the status says enough
    }
    view.status.textContent = `The re-run didn't start: ${problem.detail ?? response.statusText}`;
    return null;
  }
  return streamInto(view, response);
}
