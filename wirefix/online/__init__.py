"""Copies beyond the store (SPEC §10): sites that published the photo, and the CDNs in front.

`config` reads `[[sites]]` and `[[purgers]]`; `wordpress` is the first site connector, `purge`
the CDN purgers; `remediate` finds every online copy a notice reaches, fixes or kills it, purges
its URLs, fetches them again past the cache, and logs each copy in the audit chain.
"""
