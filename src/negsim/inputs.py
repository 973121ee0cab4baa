"""Reading negsim's input files (scenarios, experiments, answer keys) safely, and the error
every bad input becomes.

One reader for every file and every ``--set`` value: regular files only, at most
:data:`MAX_FILE_BYTES` read whatever size the file reports, safe YAML without aliases,
duplicate keys or huge integers.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 2_000_000


class ScenarioError(Exception):
    """Bad input in a scenario, an experiment or an override, with where and why."""

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        """One line per problem: ``file: field: what is wrong and what is allowed``."""
        return "\n".join(
            f"{self.source}: {field}: {message}" if field else f"{self.source}: {message}"
            for field, message in self.problems
        )


MAX_INTEGER = 2**64  # no count, seed or value in negsim needs more; a 400-digit one is a typo
YAML12_EXPONENT_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


ALIAS_PROBLEM = "YAML aliases (*name) are not allowed in negsim files; write values out"


class _Checks:
    """Safe YAML loading that refuses anchors/aliases (no alias bombs), duplicate keys (the
    last would silently win) and integers past :data:`MAX_INTEGER`; reads ``1e-3`` as a
    number, as YAML 1.2 does. Mixed into libyaml's fast parser where it is installed."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else []:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line)
            except TypeError:  # an unhashable key: the base class says so
                continue
            if first != key_node.start_mark.line:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {key!r} (first on line {first + 1}); "
                    "give each key once",
                    problem_mark=key_node.start_mark,
                )
        return super().construct_mapping(node, deep)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # A scalar's tag depends on its text alone (negsim sets no path resolvers); a file
        # repeats the same keys and values thousands of times, so each is resolved once.
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        cache = self.__dict__.setdefault("_tags", {})
        key = (value, tuple(implicit) if implicit is not None else None)
        if key not in cache:
            cache[key] = super().resolve(kind, value, implicit)
        return cache[key]

    def construct_yaml_int(self, node: Any) -> int:
        # Checked before int(): converting a huge literal takes long in itself.
        value = MAX_INTEGER if len(node.value) > 40 else super().construct_yaml_int(node)
        if abs(value) >= MAX_INTEGER:
            raise yaml.MarkedYAMLError(
                problem=f"integer {node.value[:30]}{'...' if len(node.value) > 30 else ''} is "
                f"too large (at most {MAX_INTEGER - 1} in absolute value)",
                problem_mark=node.start_mark,
            )
        return value


class _AliasFound(yaml.YAMLError):
    """The fast reader met an alias; the exact place is found by the pure-Python reader."""


def has_alias(root: Any) -> bool:
    """Whether a composed document reaches a node twice: an alias (``*name``) is a second
    reference to its anchor's node, so this visits each node once (an alias bomb too)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack += [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return False


class _PyNoAliasLoader(_Checks, yaml.SafeLoader):
    """The pure-Python reader (where libyaml is missing); refuses an alias as it is parsed."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            raise yaml.MarkedYAMLError(
                problem=ALIAS_PROBLEM, problem_mark=self.peek_event().start_mark
            )
        return super().compose_node(parent, index)


if getattr(yaml, "__with_libyaml__", False):

    class _NoAliasLoader(_Checks, yaml.CSafeLoader):  # type: ignore[misc]
        """libyaml's parser (many times faster) with the same checks; a document with an
        alias is refused after composing, before anything is built."""

        def get_single_node(self) -> Any:
            node = super().get_single_node()
            # An alias needs an anchor (&name), or parsing fails: without "&", no walk.
            if "&" in self._text and has_alias(node):
                raise _AliasFound("alias")
            return node

else:
    _NoAliasLoader = _PyNoAliasLoader  # type: ignore[misc]


for _loader in {_NoAliasLoader, _PyNoAliasLoader}:
    _loader.add_constructor("tag:yaml.org,2002:int", _loader.construct_yaml_int)
    _loader.add_implicit_resolver(
        "tag:yaml.org,2002:float", YAML12_EXPONENT_FLOAT, list("-+0123456789")
    )


def _not_regular(mode: int) -> str | None:
    """What a non-regular file is, for the message; ``None`` for a regular file."""
    kinds = {
        stat.S_ISDIR: "a directory",
        stat.S_ISFIFO: "a named pipe (FIFO)",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISSOCK: "a socket",
    }
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in kinds.items() if test(mode)), "not a regular file")


def read_text(path: str | Path, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes; else a :class:`ScenarioError`.

    The file's reported size is not trusted (``/dev/zero`` and ``/proc`` files report 0): at
    most ``limit + 1`` bytes are read. Pipes, devices and directories are refused before they
    are read, and again after opening (non-blocking, so a FIFO cannot hang us) in case the
    path changed in between.
    """
    name = str(path)

    def refuse(message: str) -> ScenarioError:
        return ScenarioError(name, [("", message)])

    try:
        kind = _not_regular(os.stat(path).st_mode)
        if kind is None:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as f:
                kind = _not_regular(os.fstat(f.fileno()).st_mode)
                data = f.read(limit + 1) if kind is None else b""
    except OSError as exc:
        raise refuse(f"cannot read file: {exc.strerror}") from None
    if kind is not None:
        raise refuse(f"is {kind}, not a file; give a YAML file")
    if len(data) > limit:
        raise refuse(f"file is larger than {limit:,} bytes; at most {limit:,} allowed")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(f"cannot read file as UTF-8 text: {exc}") from None


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping safely; any problem becomes a :class:`ScenarioError`."""
    return parse_yaml(read_text(path), str(path))


def _load(text: str) -> Any:
    """Load with the fast reader; where it finds an alias, the pure-Python one says where."""
    loader = _NoAliasLoader(text)
    loader._text = text
    try:
        return loader.get_single_data()
    except _AliasFound:
        return yaml.load(text, Loader=_PyNoAliasLoader)  # raises at the first alias
    finally:
        loader.dispose()


def yaml_value(text: str) -> Any:
    """One value written in YAML (``0.7``, ``1e-3``, ``1963-12``), read as files are read.

    Raises :class:`yaml.YAMLError` for what the file reader refuses (aliases, huge integers).
    """
    try:
        return _load(text)
    except RecursionError:
        raise yaml.YAMLError("nested too deeply") from None


def parse_yaml(text: str, name: str = "<scenario>") -> dict[str, Any]:
    """Parse YAML text into a mapping, refusing aliases and non-mapping documents."""
    try:
        doc = _load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(name, [(where, f"malformed YAML: {exc.problem}")]) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise ScenarioError(name, [("", f"malformed YAML: {exc}")]) from None
    if not isinstance(doc, dict):
        raise ScenarioError(name, [("", "the file must hold a mapping of fields (id, title, ...)")])
    return doc
