"""wirefix: apply wire-agency photo corrections and kills to a media store, with an audit log."""

__version__ = "0.1.0"
