"""Front-end libraries shipped with emgspasm, so pages work offline (see README.md)."""

from importlib import resources


def asset(name):
    """The text of a vendored file, e.g. ``asset("uplot/uPlot.iife.min.js")``.

    Parameters
    ----------
    name : str
        Path below ``emgspasm/outputs/vendor``.

    Returns
    -------
    text : str
    """
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
