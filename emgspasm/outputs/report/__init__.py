"""The HTML report of an analysed recording, readable from seconds to a day.

:class:`ReportCollector` gathers what the page needs while the engine runs
over the recording once (:mod:`.collect`); :func:`write_report` builds the
page's data (:mod:`.payload`, with :mod:`.timeline` for rates and
:mod:`.traces` for compact signal) and writes one self-contained HTML file
(:mod:`.page`), drawn in the browser by ``page.js`` with the vendored uPlot.
"""

from .collect import ReportCollector
from .page import write_report

__all__ = ["ReportCollector", "write_report"]
