"""Recovery: runs whose process died are failed, so they no longer hold a queue slot.

Local run monitoring (``dagster.yaml``) fails runs that never start, but the default run
launcher has no worker health check, so a run worker killed by ``kill -9``, an abort or the
out-of-memory killer leaves its run STARTED for good; a snapshot run then holds the only
``hotpass/job=snapshot`` slot and every later snapshot run stays QUEUED. This sensor checks
every minute (see :func:`hotpass_assets.interrupts.fail_dead_runs`).
"""

import dagster as dg

from hotpass_assets.defs.sensors import sensor_interval


@dg.sensor(
    name="dead_run_sweeper",
    minimum_interval_seconds=sensor_interval(60),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks runs whose process died (killed, crashed, out of memory) failed, so they "
    "free their queue slot; run monitoring cannot tell for locally launched runs.",
)
def dead_run_sweeper(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    from hotpass_assets.interrupts import fail_dead_runs

    ended = fail_dead_runs(context.instance)
    if ended:
        context.log.warning(f"marked {len(ended)} run(s) failed whose process had died: {ended}")
        return dg.SkipReason(f"{len(ended)} dead run(s) marked failed")
    return dg.SkipReason("no dead runs")


SENSORS = [dead_run_sweeper]
