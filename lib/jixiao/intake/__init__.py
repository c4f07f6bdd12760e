"""intake: reading a raw folder of workbooks: cells, columns, workbooks, validation rules, the processed
cache and the template writer. Imports core and contract."""
