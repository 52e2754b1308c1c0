"""Results: from the per-cell rollup to what staff see. The rollup, cell tables, weights, scores with intervals,
the released state and the one disclosure rule, reasons, the national table and roll-ups, counts, exports."""
