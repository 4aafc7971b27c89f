"""Issue bodies written the way GitHub and Gitea write a submitted form.

Rules from ../shared/specs/README.md (and Gitea's RenderToMarkdown): one
`### <label>` block per field in form order, `_No response_` for an empty
answer, checkboxes as `- [X]`/`- [x]` lines, and a `render:` textarea in a
fence (Gitea's one backtick longer than the longest run in the answer).
"""

from __future__ import annotations

import re

from tracker.templates.form_parse import Value
from tracker.templates.forms import Form

NO_RESPONSE = "_No response_"


def github_body(form: Form, answers: dict[str, Value]) -> str:
    return _body(form, answers, checked="X", fence=lambda value: "```")


def gitea_body(form: Form, answers: dict[str, Value]) -> str:
    def fence(value: str) -> str:
        runs = [len(run) for run in re.findall(r"`{3,}", value)]
        return "`" * max(3, max(runs, default=0) + 1)

    return _body(form, answers, checked="x", fence=fence)


def _body(form: Form, answers: dict[str, Value], checked: str, fence) -> str:  # type: ignore[no-untyped-def]
    parts = []
    for element in form.elements:
        answer = answers.get(element.id, [] if element.type == "checkboxes" else "")
        if element.type == "checkboxes":
            text = "\n".join(
                f"- [{checked if option in answer else ' '}] {option}" for option in element.options
            )
        elif not answer:
            text = NO_RESPONSE
        elif element.type == "textarea" and element.render:
            marks = fence(str(answer))
            text = f"{marks}{element.render}\n{answer}\n{marks}"
        else:
            text = str(answer)
        parts.append(f"### {element.label}\n\n{text}\n\n")
    return "".join(parts)
