import subprocess
import sys

HEAVY = ("numba", "mne", "serial", "matplotlib", "scipy", "dask", "rich")


def test_import_is_cheap():
    code = ("import sys, emgspasm, emgspasm.config, emgspasm.errors;"
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], check=True,
                            capture_output=True, text=True).stdout.split()
    assert loaded == [], f"import emgspasm loaded {loaded}"


def test_cli_help_is_cheap():
    code = ("import sys; from emgspasm import cli; cli.build_parser().format_help();"
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], check=True,
                            capture_output=True, text=True).stdout.split()
    assert loaded == [], f"building the CLI loaded {loaded}"


def test_public_names_resolve():
    import emgspasm
    for name in emgspasm.__all__:
        assert getattr(emgspasm, name) is not None
