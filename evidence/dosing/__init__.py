"""Dose statements as data (issue 24): the pure core, no Django and no database.

- `parser`: dose statements recognised in article text, and warnings for
  numbers next to a drug that could not be read;
- `label`: the same statements taken from a drug label's SPL XML (the
  "Dosage and administration" section, LOINC 34068-7);
- `compare`: each article statement checked against the label's.

Nothing here imports Django, so the package can move into the text engine.
"""
