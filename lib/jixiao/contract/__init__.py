"""contract: what the inputs and outputs are: sheet declarations, tables, params, the results layout,
fingerprints and the scoring-rule grammar. Imports core only (and pandas/yaml)."""
