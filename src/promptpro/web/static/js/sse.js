// Server-sent events over fetch: EventSource can only GET, and runs are POSTed.

/**
 * Yield each event of a text/event-stream response as {event, data}; `data` is parsed
 * as JSON when it is JSON (the runs API always sends JSON).
 */
export async function* readEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = "message";
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      const lines = buffer.split(/\r?\n/);
      buffer = lines.pop(); // the last piece may be a line still arriving
      for (const line of lines) {
        if (line === "") {
          if (data.length) yield { event, data: parse(data.join("\n")) };
          event = "message";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue; // a comment: keep-alive
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        let text = colon === -1 ? "" : line.slice(colon + 1);
        if (text.startsWith(" ")) text = text.slice(1);
        if (field === "event") event = text;
        else if (field === "data") data.push(text);
      }
    }
    if (data.length) yield { event, data: parse(data.join("\n")) };
  } finally {
    // Stops the download when the reader leaves early; a no-op once the stream ended.
    reader.cancel().catch(() => {});
  }
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
