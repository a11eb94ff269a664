"""Pure logic over typed values: no I/O, no Prefect, no database."""
