"""Domain operations that take a SQLAlchemy Session and know nothing of HTTP. The caller commits.

One subpackage per part of the product, with the same names as the staff pages' (``survey_app.staff``):
``intake`` (links opened, submissions, batches), ``outreach`` (posters, invitations, mail), ``results`` (rollup,
weights, scores, the released state and the disclosure rule, exports), ``improvement`` (gaps, trends, peers,
themes, plans, official results, reports), ``integrity`` (signals of a steered sample), ``accounts`` (staff
accounts, sessions, two-step sign-in) and ``cycles`` (cycles, population frames, seeding, demo data).
"""
