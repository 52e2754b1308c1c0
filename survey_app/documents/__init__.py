"""Everything printed or downloaded: posters (PDF), QR images, and the office reports and spreadsheets to come.

The Thai font and shaping setup lives in :mod:`survey_app.documents.fonts`, so every new document renders Thai the
same way. Modules here know nothing of the database: services gather what goes into a document.
"""
