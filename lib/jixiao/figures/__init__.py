"""figures: every figure of the report computed from validated tables, numbers only (no IPython,
matplotlib, HTML or display text). Imports core, contract and intake."""
