# Load client for relay_counts: ping-pong N calls of SIZE bytes on one connection (after 200 warm-up calls); prints wall time
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
size = int(sys.argv[3]) if len(sys.argv) > 3 else 64
c = socket.create_connection(("127.0.0.1", port)); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
msg = b"p" * size
buf = bytearray(size)
def call():
    c.sendall(msg); got = 0
    mv = memoryview(buf)
    while got < size:
        k = c.recv_into(mv[got:])
        if not k: raise SystemExit("closed")
        got += k
for _ in range(200 if size < 65536 else 2): call()
if len(sys.argv) > 4:  # wait for a go file (a profiler resets its counters meanwhile)
    import os
    print("warm", flush=True)
    while not os.path.exists(sys.argv[4]): time.sleep(0.05)
t = time.time()
for _ in range(n): call()
print("calls", n, "size", size, "seconds", round(time.time() - t, 3), flush=True)
import os
if os.environ.get("HOLD"):  # keep the connection open (ss -ti counters) until this file exists
    print("held", flush=True)
    while not os.path.exists(os.environ["HOLD"]): time.sleep(0.05)
