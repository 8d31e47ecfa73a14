#!/usr/bin/python3
"""Publishes like the original backend (Backend-Server/backend_process.py mqtt_publish): a fresh
BlockingConnection per message, basic_publish on an exchange with a routing key and a str body, no
properties (so no x-mqtt-publish-qos header: pika would send it as a signedint, which crashes
RabbitMQ 3.10's MQTT subscribers; docs/rabbitmq.md section 4).

usage: publish.py AMQP_URL EXCHANGE ROUTING_KEY BODY [BODY ...]
Run with /usr/bin/python3: Debian's python3-pika is installed for it only.
"""
import sys

import pika


def main() -> int:
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    url, exchange, key, bodies = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    for body in bodies:
        connection = pika.BlockingConnection(pika.URLParameters(url))
        try:
            channel = connection.channel()
            channel.basic_publish(exchange=exchange, routing_key=key, body=str(body))
        finally:
            connection.close()
    print(f"sent {len(bodies)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
