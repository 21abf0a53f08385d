"""`promptpro prompts list|show`: the library on the server, as a table or as JSON."""

from __future__ import annotations

import json

from tests.support.remote import RemoteServer, promptpro


def test_list_shows_the_prompts_filtered_by_text_and_label(server: RemoteServer) -> None:
    shipped = server.prompt(content="Sort {{ticket}} by urgency.", title="Triage")
    server.label(shipped, "production", 1)
    draft = server.prompt(content="Sort {{ticket}} by team.", title="Triage draft")

    listed = promptpro("prompts", "list", "--json", "-q", "Sort {{ticket}}")
    assert listed.exit_code == 0, listed.output
    names = [prompt["name"] for prompt in json.loads(listed.stdout)]
    assert names == [draft["name"], shipped["name"]]  # most recently changed first

    labelled = promptpro("prompts", "list", "--json", "-q", "Sort {{ticket}}", "-l", "production")
    assert [prompt["name"] for prompt in json.loads(labelled.stdout)] == [shipped["name"]]

    table = promptpro("prompts", "list", "-q", "by urgency")
    assert table.exit_code == 0, table.output
    assert shipped["name"] in table.stdout
    assert "production→v1" in table.stdout
    assert draft["name"] not in table.stdout

    none = promptpro("prompts", "list", "-q", "no prompt says this")
    assert (none.exit_code, none.stdout.strip()) == (0, "No prompts match.")


def test_show_gives_the_newest_version_or_the_one_a_label_or_number_names(
    server: RemoteServer,
) -> None:
    prompt = server.prompt(content="Summarise {{text}}.")
    server.change(prompt, "Summarise {{text}} in {{words}} words.")
    server.label(prompt, "production", 1)

    newest = promptpro("prompts", "show", prompt["name"])
    assert newest.exit_code == 0, newest.output
    assert f"{prompt['name']}  version 2" in newest.stdout
    assert "variables: text, words" in newest.stdout
    assert "Summarise {{text}} in {{words}} words." in newest.stdout

    production = json.loads(
        promptpro("prompts", "show", prompt["name"], "-l", "production", "--json").stdout
    )
    assert (production["version"], production["text"]) == (1, "Summarise {{text}}.")
    first = json.loads(promptpro("prompts", "show", str(prompt["id"]), "-V", "1", "--json").stdout)
    assert first == production  # by id, by number: the same version


def test_a_prompt_that_is_not_there_is_exit_code_4(server: RemoteServer) -> None:
    result = promptpro("prompts", "show", "no/such-prompt")
    assert result.exit_code == 4
    assert "Error:" in result.stderr
    assert result.stdout == ""
