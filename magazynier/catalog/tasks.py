"""Thin Huey tasks: each calls one function that does the work."""

from huey.contrib.djhuey import db_task

from magazynier.catalog.import_runs import execute_job


@db_task(retries=0)
def run_import_job(job_id: int) -> None:
    execute_job(job_id)
