// Preloaded by the start-up benchmark (`node --require <this> …`): when the process's first TCP
// connection to port BENCH_PROBE_PORT is established (the first request's bytes leave on it at
// once), or at exit if it never connects (`node -e 0`), writes to the file BENCH_PROBE_FILE the CPU
// time spent so far by the main thread (getrusage RUSAGE_THREAD, via process.threadCpuUsage) and by
// the whole process (RUSAGE_SELF: V8's compiler and GC threads, libuv's pool). CommonJS, and only
// modules Node's bootstrap has loaded already, so that the probe itself costs next to nothing.
/* global process */
'use strict'
const diagnostics = process.getBuiltinModule('node:diagnostics_channel')
const { writeFileSync } = process.getBuiltinModule('node:fs')

const port = Number(process.env.BENCH_PROBE_PORT)
const file = process.env.BENCH_PROBE_FILE
let recorded = false

function record(point) {
  if (recorded || !file) return
  recorded = true
  const thread = process.threadCpuUsage()
  const whole = process.cpuUsage()
  // On the monotonic clock V8's --cpu-prof stamps its samples with, to cut a profile at this point.
  const monotonicUs = Number(process.hrtime.bigint() / 1000n)
  writeFileSync(
    file,
    JSON.stringify({
      point,
      threadCpuMs: (thread.user + thread.system) / 1000,
      processCpuMs: (whole.user + whole.system) / 1000,
      monotonicUs
    })
  )
}

// Published by net.connect() for every client socket, before it connects: every HTTP agent's path.
diagnostics.subscribe('net.client.socket', ({ socket }) => {
  socket.once('connect', () => {
    if (socket.remotePort !== port) return
    record('first connection')
    // For the profilers: end the process here, so that what they report is start-up alone.
    if (process.env.BENCH_PROBE_EXIT === '1') process.exit(0)
  })
})
process.on('exit', () => record('exit'))
