"""The pages' JavaScript modules, run under Node where it is installed (no build step).

The browser tests drive them for real; these pin down the parts that are easy to get
subtly wrong: reading server-sent events split at awkward places, filling the preview,
and the `pattern` attributes browsers compile with the `v` flag.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest

from promptpro.web.static import STATIC_DIR
from tests.web.conftest import Browser

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
JS = STATIC_DIR / "js"


def run_node(script: str) -> object:
    """Run an ES module under Node; what it printed, parsed as JSON."""
    assert NODE is not None
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_events_are_read_whatever_the_chunking() -> None:
    wire = (
        ": keep-alive\n\n"
        'event: start\ndata: {"responseId": 7, "model": "openai/x"}\n\n'
        'event: delta\ndata: {"text": "Hé \\u2014 ✓"}\n\n'
        'event: delta\r\ndata: {"text": "line"}\r\n\r\n'
        'data: "first"\ndata: "second"\n\n'
        'event: done\ndata: {"responseId": 7}\n\n'
    )
    script = f"""
    import {{ readEvents }} from "{(JS / "sse.js").as_uri()}";
    const bytes = new TextEncoder().encode({json.dumps(wire)});
    const results = [];
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {{
      const stream = new ReadableStream({{
        start(controller) {{
          for (let i = 0; i < bytes.length; i += size) controller.enqueue(bytes.slice(i, i + size));
          controller.close();
        }},
      }});
      const events = [];
      for await (const event of readEvents(new Response(stream))) events.push(event);
      results.push(events);
    }}
    console.log(JSON.stringify(results));
    """
    results = run_node(script)
    assert isinstance(results, list)
    expected = [
        {"event": "start", "data": {"responseId": 7, "model": "openai/x"}},
        {"event": "delta", "data": {"text": "Hé — ✓"}},
        {"event": "delta", "data": {"text": "line"}},
        {"event": "message", "data": '"first"\n"second"'},
        {"event": "done", "data": {"responseId": 7}},
    ]
    assert all(events == expected for events in results)


def test_the_preview_fills_in_variables_as_the_server_does() -> None:
    script = f"""
    import {{ fillIn }} from "{(JS / "runner.js").as_uri()}";
    console.log(JSON.stringify([
      fillIn("Hi {{{{name}}}} and {{{{ name }}}}, {{{{other}}}}", {{ name: "Ada" }}),
      fillIn("{{{{a}}}}{{{{b}}}}", {{ a: "{{{{b}}}}", b: "x" }}),
      fillIn("{{{{ 1bad }}}}", {{}}),
    ]));
    """
    assert run_node(script) == [
        "Hi Ada and Ada, {{other}}",
        "{{b}}x",  # one pass: a value that looks like a placeholder stays as typed
        "{{ 1bad }}",
    ]


async def test_form_patterns_compile_as_browsers_compile_them(browser: Browser) -> None:
    patterns: list[str] = []
    for path in ("/register", "/login"):
        page = (await browser.get(path)).text
        patterns += [html.unescape(p) for p in re.findall(r'pattern="([^"]*)"', page)]
    assert patterns
    script = f"""
    const bad = [];
    for (const pattern of {json.dumps(patterns)}) {{
      try {{ new RegExp(`^(?:${{pattern}})$`, "v"); }} catch (error) {{ bad.push(pattern); }}
    }}
    console.log(JSON.stringify(bad));
    """
    assert run_node(script) == []
