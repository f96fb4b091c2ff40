"""The JPEG bytes: read, write, prove and the image-data hash, without ExifTool."""
