'use strict';
// SIGTERM and SIGINT stop the server cleanly whichever of its threads the kernel hands them to.
// Libraries start threads before main() blocks the signals (OpenBLAS starts its pool when it is
// loaded), so a process-wide signal may land on such a thread; with the default action it would
// kill the process (exit by signal, no clean shutdown). This was seen as a standby coordinator
// dying by SIGTERM while it took over. Here each signal is sent to one such thread directly
// (tgkill), and the server must still stop with exit code 0.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const { QuiverServer } = require('./lib/server');

const SIG = { SIGINT: 2, SIGTERM: 15 };

// The threads of `pid` other than the main thread that do not block `signal`.
function unblockedThreads(pid, signal) {
  const bit = 1n << BigInt(SIG[signal] - 1);
  const out = [];
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    if (Number(tid) === pid) continue;
    let status;
    try { status = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'); } catch (e) { continue; }
    const blocked = BigInt('0x' + status.match(/^SigBlk:\s*([0-9a-f]+)$/m)[1]);
    if ((blocked & bit) === 0n) out.push(Number(tid));
  }
  return out;
}

function caught(pid, signal) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const mask = BigInt('0x' + status.match(/^SigCgt:\s*([0-9a-f]+)$/m)[1]);
  return (mask & (1n << BigInt(SIG[signal] - 1))) !== 0n;
}

// tgkill(2) through Python's ctypes: Node can only signal whole processes.
function tgkill(pid, tid, signal) {
  const r = spawnSync('python3', ['-c',
    'import ctypes,sys; libc=ctypes.CDLL(None, use_errno=True); ' +
    'sys.exit(0 if libc.syscall(234, int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])) == 0 else 1)',
    String(pid), String(tid), String(SIG[signal])]);
  assert.equal(r.status, 0, `tgkill failed: ${r.stderr}`);
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal} delivered to a library thread still stops the server cleanly`, { timeout: 60000 }, async t => {
    const server = new QuiverServer();
    await server.start();
    try {
      const pid = server.proc.pid;
      // Whether or not a library started threads early, a signal must never take its default action.
      assert.ok(caught(pid, signal), `${signal} has no handler: a thread that does not block it would be killed`);
      const threads = unblockedThreads(pid, signal);
      if (threads.length === 0) {
        t.diagnostic(`no thread without ${signal} blocked on this machine: the signal goes to the process`);
        process.kill(pid, signal);
      } else {
        t.diagnostic(`${threads.length} thread(s) without ${signal} blocked; sending it to thread ${threads[0]}`);
        tgkill(pid, threads[0], signal);
      }
      const exit = await server.exited;
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, server.log.slice(-2000));
      assert.match(server.log, /shutting down|stopped/);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
}
