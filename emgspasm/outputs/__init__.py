"""Where results go: event tables, session recordings, annotations, summaries, reports."""
