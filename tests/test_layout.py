"""The package's folders follow the data, and dependencies point one way.

``sources`` (files, serial link) and ``outputs`` (tables, recordings,
reports) build on the ``engine``; ``truth`` (simulators, scorer) builds on
the engine and writes through ``outputs``; the ``apps`` use them all. The
base modules (errors, checks, the numba wrapper) use nothing of the rest.
Import statements are read from the source, including those inside
functions, so a lazy import cannot hide a dependency.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "emgspasm"
ALLOWED = {
    "base": {"base"},
    "engine": {"base", "engine"},
    "sources": {"base", "engine", "sources"},
    "outputs": {"base", "engine", "outputs"},
    "truth": {"base", "engine", "outputs", "truth"},
    "apps": {"base", "engine", "sources", "outputs", "truth", "apps"},
}
#: Modules that must never need numba: what decodes bytes, reads files,
#: records sessions and writes tables has no kernel to run.
MUST_BE_NUMBA_FREE = (
    "emgspasm.engine.vocabulary", "emgspasm.engine.events", "emgspasm.engine.block",
    "emgspasm.engine.config", "emgspasm.sources.files", "emgspasm.sources.serial.link",
    "emgspasm.sources.serial.emulator", "emgspasm.sources.serial.protocols.emgspasm",
    "emgspasm.sources.serial.protocols.cyton", "emgspasm.sources.serial.protocols.ascii",
    "emgspasm.outputs.recorder", "emgspasm.outputs.notices",
    "emgspasm.outputs.events_table", "emgspasm.outputs.summary",
    "emgspasm.outputs.annotations", "emgspasm.sources.live", "emgspasm.sources.lsl",
    "emgspasm.sources.brainflow_board", "emgspasm.outputs.lsl_markers",
)


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module):
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ALLOWED:
        return parts[1]
    return "base"


def imports(path, top_level_only=False):
    """The emgspasm modules ``path`` imports."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("emgspasm"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("emgspasm"))
    modules = {module_name(p) for p in PACKAGE.rglob("*.py")}
    return {m for m in found if m in modules} - {module}


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: module_name(p))
def test_dependencies_point_one_way(path):
    own = layer(module_name(path))
    if path == PACKAGE / "__init__.py":
        return  # the package root names the public API lazily, by string
    wrong = {m for m in imports(path) if layer(m) not in ALLOWED[own]}
    assert not wrong, f"{module_name(path)} ({own}) imports {sorted(wrong)}"


def numba_reach():
    """Modules whose top-level imports reach numba (through ``emgspasm._numba``)."""
    graph = {module_name(p): imports(p, top_level_only=True) for p in SOURCES}
    reach = {"emgspasm._numba"}
    changed = True
    while changed:
        changed = False
        for module, deps in graph.items():
            if module not in reach and deps & reach:
                reach.add(module)
                changed = True
    return reach, set(graph)


def test_decoding_reading_and_recording_need_no_numba():
    reach, modules = numba_reach()
    assert not set(MUST_BE_NUMBA_FREE) & reach
    free = sorted(modules - reach - {"emgspasm.__init__"})
    # and in a fresh interpreter, importing every numba-free module loads no numba
    code = ("import sys\n" + "".join(f"import {m}\n" for m in free)
            + "print('numba' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", code], check=True,
                            capture_output=True, text=True).stdout.strip()
    assert loaded == "False", f"one of {free} loads numba"
