// Jest's globalSetup: the end-to-end tests run dist/index.js, so they never run against a dist/
// that is not a build of today's src/. A stale one is rebuilt first, and the run says so.
import { build } from '../../scripts/build.mjs'
import { staleness } from '../../scripts/dist-stamp.mjs'

export default async function freshDist() {
  const why = staleness()
  if (!why) return
  process.stderr.write(`\nThe end-to-end tests run dist/index.js, but ${why}: building it first (npm run build) …\n`)
  await build()
}
