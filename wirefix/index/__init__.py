"""The media store -> the index."""
