"""``compliance convert``: any source written as JSON Lines, exactly the timelines the engine
will read (mapping applied, rows grouped, event ids generated), one case per line. Rejected
cases are reported on stderr as the audit reports them; an input with no case is an error."""

from __future__ import annotations

import sys

import orjson

from compliance.commands.inputs import InputOptions, check_inputs, read_items
from compliance.errors import ComplianceError
from compliance.outputs.files import atomic_binary, check_output
from compliance.privacy import mask_cpr

__all__ = ["run"]


def run(inputs: list[str], output: str | None, reading: InputOptions = InputOptions()) -> None:
    check_inputs(inputs, reading)
    check_output(output, inputs)  # -o equal to an input would replace it
    written = rejected = 0
    with atomic_binary(output) as out:
        for item in read_items(inputs, reading):
            if item.case is None:
                rejected += 1
                sys.stderr.write(mask_cpr(f"rejected: {item.error}") + "\n")
                continue
            out.write(orjson.dumps(item.case) + b"\n")
            written += 1
        if written + rejected == 0:
            raise ComplianceError(f"no case read from {', '.join(inputs)}")
    sys.stderr.write(f"converted {written} case(s); rejected {rejected}\n")
