"""Run a command and print its peak RSS in MB as the last line of stdout.

``os.wait4`` gives the resource usage of exactly that child, so each stage's
peak is its own, not the maximum of everything the bench ran before.
"""
import os
import subprocess
import sys

proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
out = proc.stdout.read()
_, status, usage = os.wait4(proc.pid, 0)
sys.stdout.buffer.write(out)
sys.stdout.write(f"\n{usage.ru_maxrss / 1024:.1f}\n")
sys.exit(os.waitstatus_to_exitcode(status))
