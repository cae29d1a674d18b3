"""kefu on Apache Spark: Spark reads the inputs and buckets the rows by shop,
each bucket's messages and orders go to one task that runs the kefu binary
on them, and kefu writes that bucket's partitions and manifest into the
shared output (README, Scale out). Spark schedules, retries and reads; kefu
computes. No merge step: the union of the buckets is the run.

    spark-submit deploy/spark/kefu_spark.py --kefu /opt/kefu/bin/kefu \
        --messages s3a://.../messages/ --orders s3a://.../orders/ \
        --agents /shared/agents.csv --out /shared/kefu-out --buckets 64

`--out` must be a folder every executor writes to (a shared mount). The bucket
column is computed in Spark SQL with the contract's function: the first 60
bits of SHA-256(shop_id), mod B (15 hex digits of sha2 are 60 bits).

A task that fails is retried by Spark (`spark.task.maxFailures`). kefu's exit
code 2 means bad input or configuration: a retry will fail the same way, and
the error says so. Test-only: KEFU_SPARK_FAULT_BUCKET=b fails the first
attempt of bucket b's task, to prove the retry.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark import TaskContext
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

BUCKET = "shop_bucket"
# Where a row stood in its input: kefu keeps file order among messages of one
# buyer sent in the same second, so a task hands its rows over in that order.
FILE, POS = "_kefu_file", "_kefu_pos"


def bucket_expr(buckets):
    """The contract's bucket function in Spark SQL; no shop id: bucket 0."""
    shop = F.trim(F.col("shop_id"))
    h = F.conv(F.substring(F.sha2(shop, 256), 1, 15), 16, 10).cast("bigint")
    b = F.pmod(h, F.lit(buckets))
    return F.when(shop.isNull() | (shop == ""), F.lit(0)).otherwise(b).cast("int")


def read_csv(spark, path):
    # Every column as text, exactly as written: kefu validates, not Spark.
    # multiLine reads each file whole, so the id below grows in file order.
    return (
        spark.read.option("header", True)
        .option("multiLine", True)
        .option("escape", '"')
        .option("inferSchema", False)
        .csv(path)
        .withColumn(FILE, F.input_file_name())
        .withColumn(POS, F.monotonically_increasing_id())
    )


def run_bucket(kefu, args, bucket, messages, orders):
    """Writes one bucket's rows for kefu and runs it on them."""
    with tempfile.TemporaryDirectory(prefix=f"kefu-bucket{bucket}-") as tmp:
        paths = {}
        for name, table in (("messages", messages), ("orders", orders)):
            if FILE in table.column_names:
                table = table.sort_by([(FILE, "ascending"), (POS, "ascending")])
            table = table.drop_columns([c for c in (BUCKET, FILE, POS) if c in table.column_names])
            paths[name] = os.path.join(tmp, f"{name}.parquet")
            pq.write_table(table, paths[name])
        cmd = [kefu, "run", "--messages", paths["messages"], "--orders", paths["orders"]]
        if args.agents:
            cmd += ["--agents", args.agents]
        if args.config:
            cmd += ["--config", args.config]
        cmd += ["--out", args.out, "--buckets", str(args.buckets), "--shard", f"{bucket}/{args.buckets}"]
        # In an empty folder: no pipelines/ job there, so the built-in job or --config.
        p = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if p.returncode == 2:
            raise RuntimeError(
                f"kefu exited 2 on bucket {bucket} (bad input or configuration; "
                f"a retry will fail the same way): {p.stderr.strip()}"
            )
        if p.returncode != 0:
            raise RuntimeError(f"kefu failed on bucket {bucket} (exit {p.returncode}): {p.stderr.strip()}")
    with open(os.path.join(args.out, "_manifests", f"bucket={bucket}.json"), encoding="utf-8") as f:
        return f.read()


def task(args):
    def apply(messages: pa.Table, orders: pa.Table) -> pa.Table:
        side = messages if messages.num_rows else orders
        bucket = side.column(BUCKET)[0].as_py()
        fault = os.environ.get("KEFU_SPARK_FAULT_BUCKET")
        ctx = TaskContext.get()
        if fault is not None and int(fault) == bucket and ctx is not None and ctx.attemptNumber() == 0:
            raise RuntimeError(f"KEFU_SPARK_FAULT_BUCKET={bucket}: failing attempt 0 on purpose")
        manifest = run_bucket(args.kefu, args, bucket, messages, orders)
        return pa.table({BUCKET: pa.array([bucket], pa.int32()), "manifest": [manifest]})

    return apply


def empty_bucket(args, bucket, messages_schema, orders_schema):
    """A bucket no row fell into still gets its (empty) partitions and
    manifest, so the run can complete."""
    empty = [pa.Table.from_pylist([], schema=s) for s in (messages_schema, orders_schema)]
    return run_bucket(args.kefu, args, bucket, *empty)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kefu", required=True, help="the kefu binary, on every executor")
    ap.add_argument("--messages", required=True)
    ap.add_argument("--orders", required=True)
    ap.add_argument("--agents")
    ap.add_argument("--config")
    ap.add_argument("--out", required=True)
    ap.add_argument("--buckets", type=int, required=True)
    ap.add_argument("--master", help="e.g. local[2,2] (default: spark-submit's)")
    args = ap.parse_args(argv)
    args.out = os.path.abspath(args.out)
    builder = SparkSession.builder.appName("kefu")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    messages = read_csv(spark, args.messages).withColumn(BUCKET, bucket_expr(args.buckets))
    orders = read_csv(spark, args.orders).withColumn(BUCKET, bucket_expr(args.buckets))
    done = (
        messages.groupBy(BUCKET)
        .cogroup(orders.groupBy(BUCKET))
        .applyInArrow(task(args), f"{BUCKET} int, manifest string")
        .collect()
    )
    seen = {r[BUCKET] for r in done}
    as_text = lambda df: pa.schema([(c, pa.string()) for c in df.columns if c not in (BUCKET, FILE, POS)])
    for b in range(args.buckets):
        if b not in seen:
            empty_bucket(args, b, as_text(messages), as_text(orders))
    spark.stop()
    success = os.path.join(args.out, "_SUCCESS.json")
    if not os.path.exists(success):
        sys.exit(f"kefu_spark: {success} was not written: a bucket is missing its manifest")
    with open(success, encoding="utf-8") as f:
        tables = json.load(f)["tables"]
    print(f"kefu_spark: {args.buckets} buckets written to {args.out}; messages {tables['messages']}")


if __name__ == "__main__":
    main()
