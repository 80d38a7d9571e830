// A step ends when it has said its last word: from the bundle's last line on stdout to its
// process's exit, at most 1 s, whatever its peers do with their connections: a fake registry that
// never answers keeps its socket open forever. The runner waits for the process, so a step that
// lingers holds the job. The same bound behind squid, which keeps a refused client's connection
// open: test/peers/e2e/clean-exit.test.ts. Each run is timed line by line (./timed-run.ts); a run
// still alive CAP_MS after its last line is killed and fails.
import { afterEach, describe, expect, test } from '@jest/globals'
import { startFakeRegistry } from '../../devkit/emulator/fake-registry.mjs'
import { emulator, stepInputs, type Emulator } from './fixtures.js'
import { EXIT_AFTER_LAST_LINE_MS, report, runTimed } from './timed-run.js'

let sae: Emulator
afterEach(async () => sae.stop())

describe('the process exits within 1 s of its last line', () => {
  test('a normal run, direct', async () => {
    sae = await emulator()
    const run = await runTimed(stepInputs(sae), {})
    report('normal run, direct', run)
    expect(run.errors).toEqual([])
    expect(run.code).toBe(0)
    expect(run.lastLineToExitMs).toBeLessThan(EXIT_AFTER_LAST_LINE_MS)
  })

  test('a run whose registry never answers (verify-login): a warning, the Secret written, then the exit', async () => {
    sae = await emulator()
    const silent = await startFakeRegistry({ kind: 'silent' })
    try {
      const run = await runTimed(stepInputs(sae, { 'verify-login': 'true', 'registry-domains': silent.host }), {})
      report('registry never answers', run)
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(`::warning::Could not verify the registry login for ${silent.host}`)
      expect(sae.calls().map((call) => call.action)).toEqual(['ListSecrets', 'CreateSecret'])
      expect(run.lastLineToExitMs).toBeLessThan(EXIT_AFTER_LAST_LINE_MS)
    } finally {
      await silent.stop()
    }
  })
})
