"""Plugins' commands on the ``amphi`` command line (``amphi <plugin> <command>``), see ``amphi_cli_commands``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CliCommand:
    """``amphi <plugin> <name>``: ``arguments(parser)`` adds its options; ``run(request, args)`` does the work,
    in the configured application (``request.registry``), inside a transaction that commits when it returns.
    An :class:`core.platform.errors.AmphiError` it raises is printed as one line, with a non-zero exit."""

    name: str
    help: str
    run: Callable[[Any, argparse.Namespace], None]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
