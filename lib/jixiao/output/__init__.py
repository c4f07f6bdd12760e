"""output: pages, HTML, PDF, Excel, the period document and indexes. May read the section registry
(to order chapters) and everything below it; never the run machinery."""
