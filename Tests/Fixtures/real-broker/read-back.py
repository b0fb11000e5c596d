#!/usr/bin/env python3
"""Reads every partition of a topic from its beginning to its end with
confluent-kafka (its own, newer librdkafka: a client independent of the one
zoobench is built on) and prints one JSON line: records per partition, their
total, the high watermarks the fetches returned, what ListOffsets says, and how many distinct
values were seen. The real-broker tests check zoobench's counts with it.

usage: read-back.py BOOTSTRAP TOPIC [TIMEOUT_SECONDS]
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, TopicPartition

bootstrap, topic = sys.argv[1], sys.argv[2]
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": "zoobench-read-back",
    "enable.auto.commit": False,
    "enable.partition.eof": True,
    "auto.offset.reset": "earliest",
})
metadata = consumer.list_topics(topic, timeout=10)
partitions = sorted(metadata.topics[topic].partitions)
consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
counts = {p: 0 for p in partitions}
ends = {}
offsets = {p: set() for p in partitions}
deadline = time.monotonic() + timeout
while len(ends) < len(partitions) and time.monotonic() < deadline:
    message = consumer.poll(0.5)
    if message is None:
        continue
    if message.error():
        if message.error().code() == KafkaError._PARTITION_EOF:
            _, high = consumer.get_watermark_offsets(TopicPartition(topic, message.partition()), cached=True)
            ends[message.partition()] = high
            continue
        print(json.dumps({"error": str(message.error())}))
        sys.exit(1)
    counts[message.partition()] += 1
    offsets[message.partition()].add(message.offset())
list_offsets = {str(p): consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)[1]
                for p in partitions}
consumer.close()
print(json.dumps({
    "list_offsets": list_offsets,
    "complete": len(ends) == len(partitions),
    "records": sum(counts.values()),
    "distinct_offsets": sum(len(v) for v in offsets.values()),
    "partitions": {str(p): counts[p] for p in partitions},
    "high_watermarks": {str(p): ends.get(p) for p in partitions},
}))
