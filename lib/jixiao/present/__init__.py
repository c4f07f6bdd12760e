"""present: the table and chart primitives, number formats and fonts that display blocks use; knows no
section. Imports core, contract and figures."""
