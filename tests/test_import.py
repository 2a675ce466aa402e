import subprocess
import sys

HEAVY = ("numba", "mne", "serial", "matplotlib", "scipy", "dask", "rich")


def heavy_modules_after(statement):
    """Heavy modules loaded by running ``statement`` in a fresh interpreter."""
    code = (f"import sys; {statement};"
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    return subprocess.run([sys.executable, "-c", code], check=True,
                          capture_output=True, text=True).stdout.split()


def test_import_is_cheap():
    loaded = heavy_modules_after("import emgspasm, emgspasm.engine.config, emgspasm.errors")
    assert loaded == [], f"import emgspasm loaded {loaded}"


def test_cli_help_is_cheap():
    loaded = heavy_modules_after("from emgspasm.apps import cli; cli.build_parser().format_help()")
    assert loaded == [], f"building the CLI loaded {loaded}"


def test_public_names_resolve():
    import emgspasm
    for name in emgspasm.__all__:
        assert getattr(emgspasm, name) is not None
