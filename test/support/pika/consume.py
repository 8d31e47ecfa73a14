#!/usr/bin/python3
"""Consumes as the original backend reads its queues (basic_consume, auto_ack), from an
exclusive server-named queue bound to EXCHANGE with BINDING_KEY, so it takes nothing from anyone.
Prints "ready" once bound, then one JSON line per message: routing key, body (text), headers.
Ends after COUNT messages (0: until killed).

usage: consume.py AMQP_URL EXCHANGE BINDING_KEY [COUNT]
"""
import json
import sys

import pika


def main() -> int:
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    url, exchange, binding = sys.argv[1], sys.argv[2], sys.argv[3]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    queue = channel.queue_declare(queue="", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(queue=queue, exchange=exchange, routing_key=binding)
    seen = 0

    def on_message(ch, method, properties, body):
        nonlocal seen
        seen += 1
        line = {
            "routingKey": method.routing_key,
            "exchange": method.exchange,
            "body": body.decode("utf-8", "replace"),
            "headers": {k: repr(v) for k, v in (properties.headers or {}).items()},
        }
        print(json.dumps(line, ensure_ascii=False), flush=True)
        if count and seen >= count:
            ch.stop_consuming()

    channel.basic_consume(queue=queue, on_message_callback=on_message, auto_ack=True)
    print("ready", flush=True)
    try:
        channel.start_consuming()
    finally:
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
