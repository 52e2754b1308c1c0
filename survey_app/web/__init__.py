"""The web infrastructure both blueprints stand on: error pages for people (``errors``), security headers
(``security``), guards on what a request may carry (``inputs``), the health check (``health``), static files by
their content's fingerprint (``static_files``) and token-free logs (``logfilter``)."""
