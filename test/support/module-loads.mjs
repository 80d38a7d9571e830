// Preloaded (`node --import`) beside a latency world's preload by test/e2e/round-trips.test.ts:
// records when each file of dist/ is read (Node's module load hook), on the world's clock
// (process.hrtime.bigint()) and into the world's events file, so a test can tell what happened
// before the rest of the bundle was loaded. Without LATENCY_WORLD it does nothing.
import fs from 'node:fs'
import { registerHooks } from 'node:module'

const config = process.env.LATENCY_WORLD ? JSON.parse(process.env.LATENCY_WORLD) : undefined
if (config?.events) {
  const fd = fs.openSync(config.events, 'a')
  registerHooks({
    load(url, context, nextLoad) {
      const loaded = nextLoad(url, context)
      if (/\/dist\/[^/]+\.js$/.test(url)) {
        const line = {
          t: process.hrtime.bigint().toString(),
          pid: process.pid,
          source: 'client',
          kind: 'module-load',
          url
        }
        fs.writeSync(fd, `${JSON.stringify(line)}\n`)
      }
      return loaded
    }
  })
}
