# Sourced by scripts that start servers on free loopback ports: free_port prints one.
# Ports are drawn at random below the kernel's ephemeral range (ip_local_port_range), never from
# it: a port the kernel picked for port 0 may be picked again a moment later as the local port of
# an outgoing connection (once, radosgw's own connection to its monitor took the port meant for its
# frontend), while a port below that range is only ever taken by an explicit bind. A port printed
# once is not printed again by the same script (the list is kept in FREE_PORT_TAKEN).
FREE_PORT_TAKEN="${FREE_PORT_TAKEN:-$(mktemp /tmp/quiver-ports-XXXXXX)}"
export FREE_PORT_TAKEN
touch "$FREE_PORT_TAKEN"
free_port() {
  python3 - "$FREE_PORT_TAKEN" <<'PY'
import random, socket, sys
taken_file = sys.argv[1]
try:
    taken = set(open(taken_file).read().split())
except FileNotFoundError:
    taken = set()
try:
    low = int(open('/proc/sys/net/ipv4/ip_local_port_range').read().split()[0])
except OSError:
    low = 32768
def bindable(port):
    s = socket.socket()
    try:
        s.bind(('127.0.0.1', port))
        return s.getsockname()[1]
    except OSError:
        return 0
    finally:
        s.close()
port = 0
for _ in range(200):
    if low - 1 - 10000 < 1000:
        break
    p = random.randint(10000, low - 1)
    if str(p) not in taken and bindable(p) == p:
        port = p
        break
while port == 0 or str(port) in taken:
    port = bindable(0)
with open(taken_file, 'a') as f:
    f.write(f'{port}\n')
print(port)
PY
}
