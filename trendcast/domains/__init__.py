"""Domain harvesting from comment text: extraction (`extract`), the warehouse stage that writes
mentions (`store`), optional network enrichment (`enrich`) and retention (`cleanup`)."""
