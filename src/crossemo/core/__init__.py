"""What every stage shares: contracts (schemas), vocabulary (names, reject reasons), the config at
start-up (configuration, provenance), safe text, atomic writes, the scripts' logging glue.

Kept empty of imports: the workflow's parse imports modules from here and must load no numpy,
pandas, pandera or pyarrow; import from the modules.
"""
