"""The statistics engine: sample sizes and adequacy, weights, and scores with intervals and bands.

Pure NumPy/SciPy on per-cell sufficient statistics: no Flask, no SQL, no individual responses.
"""
