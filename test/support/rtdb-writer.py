#!/usr/bin/python3
"""A second writer of realtimedb.json, as the backend's RTDB mirror is one (it writes the weather and
/server/notification into the tree the device writes). It follows the bridge's advisory lock
(src/file-lock.ts): create FILE.lock with O_EXCL (or wait), re-read, change only its own keys, replace
the file atomically, remove the lock. Writes COUNT times, /sensor/openweather/update = "<TAG>-<i>" and
/server/notification = "<TAG>-<i>", then prints "done COUNT lost N": N counts the times its previous
value was gone when it read the file again (another writer replaced the file with a stale copy).

usage: rtdb-writer.py FILE COUNT TAG
"""
import json
import os
import sys
import time


def locked(path, fn):
    lock = path + '.lock'
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            os.write(fd, f"{os.getpid()}\n".encode())
            os.close(fd)
            break
        except FileExistsError:
            time.sleep(0.001)
    try:
        fn()
    finally:
        os.unlink(lock)


def main() -> int:
    path, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    lost = 0
    for i in range(count):
        def write():
            nonlocal lost
            try:
                with open(path, encoding='utf-8') as f:
                    tree = json.load(f)
            except FileNotFoundError:
                tree = {}
            weather = tree.setdefault('sensor', {}).setdefault('openweather', {})
            if i > 0 and weather.get('update') != f"{tag}-{i - 1}":
                lost += 1
            weather.update({'air_level': 1, 'icon': '01d', 'update': f"{tag}-{i}"})
            tree.setdefault('server', {})['notification'] = f"{tag}-{i}"
            tmp = f"{path}.writer.{os.getpid()}.tmp"
            with open(tmp, 'w', encoding='utf-8') as f:
                json.dump(tree, f, indent=4)
            os.replace(tmp, path)
        locked(path, write)
    print(f"done {count} lost {lost}", flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
