// clients.ts: what every client of a run shares (the deadline, who hears of retries), one SAE
// client per endpoint, and the user agent that names the run in the account's ActionTrail.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { clientSettings, saeClientFactory, userAgent } from '../../../src/sae/clients.js'
import type { Endpoint } from '../../../src/domain/model.js'
import { ApiError } from '../../../src/sae/sdk/api-errors.js'
import type { RetryClock } from '../../../src/sae/sdk/retry.js'
import { startEmulator } from '../../../devkit/emulator/sae-emulator.mjs'
import { ROOT } from '../../../devkit/harness/action-runner.mjs'

const KEY = { accessKeyId: 'LTAI5tClientsTest', accessKeySecret: 'clients-test-secret+/=' }
const NS = 'cn-hangzhou:prod'
/** The release, read here from package.json, not through the module under test. */
const RELEASE = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

/** A clock that stands still at `now`; sleeping takes no time. */
const clockAt = (now: number): RetryClock => ({ now: () => now, sleep: async () => {}, random: () => 0.5 })
const redact = (text: string) => text

describe('clientSettings', () => {
  test('the deadline is now plus timeout-seconds on the run clock; max-attempts is the policy', () => {
    const clock = clockAt(1_700_000_000_000)
    const settings = clientSettings({ maxAttempts: 4, timeoutSeconds: 90 }, { userAgent: 'ua', redact }, clock)
    expect(settings.retry.policy).toEqual({ maxAttempts: 4, deadline: 1_700_000_090_000 })
    expect(settings.retry.clock).toBe(clock)
  })

  test('onRetry goes to the retry settings, the rest is shared by every client as given', () => {
    const onRetry = () => {}
    const debug = () => {}
    const clock = clockAt(0)
    const settings = clientSettings(
      { maxAttempts: 2, timeoutSeconds: 1 },
      { userAgent: 'sae-image-pull-secret/test', redact, debug, onRetry },
      clock
    )
    expect(settings.retry.onRetry).toBe(onRetry)
    expect(settings).toEqual({
      userAgent: 'sae-image-pull-secret/test',
      redact,
      debug,
      retry: { policy: { maxAttempts: 2, deadline: 1000 }, clock, onRetry }
    })
  })
})

describe('saeClientFactory', () => {
  const endpoint = (protocol: 'https' | 'http', host: string, region?: string): Endpoint => ({
    protocol,
    host,
    input: 'namespace-id',
    region
  })
  const factory = () =>
    saeClientFactory(KEY, clientSettings({ maxAttempts: 1, timeoutSeconds: 30 }, { userAgent: 'ua', redact }))

  test('namespaces of the same endpoint share one client', () => {
    const clientFor = factory()
    const first = clientFor(endpoint('https', 'sae.cn-hangzhou.aliyuncs.com', 'cn-hangzhou'))
    expect(clientFor(endpoint('https', 'sae.cn-hangzhou.aliyuncs.com', 'cn-hangzhou'))).toBe(first)
  })

  test('another host is another client', () => {
    const clientFor = factory()
    expect(clientFor(endpoint('https', 'sae.cn-shanghai.aliyuncs.com'))).not.toBe(
      clientFor(endpoint('https', 'sae.cn-hangzhou.aliyuncs.com'))
    )
  })

  test('the same host over another protocol is another client', () => {
    const clientFor = factory()
    expect(clientFor(endpoint('http', '127.0.0.1:8080'))).not.toBe(clientFor(endpoint('https', '127.0.0.1:8080')))
  })

  describe('against the emulator', () => {
    let sae: Awaited<ReturnType<typeof startEmulator>>
    beforeEach(async () => {
      sae = await startEmulator({ keys: [KEY], namespaces: [NS] })
    })
    afterEach(async () => sae.stop())

    const local = () => endpoint('http', new URL(sae.origin).host)

    test("a client calls its endpoint signed with the run's key and sends the run's user agent", async () => {
      const settings = clientSettings(
        { maxAttempts: 1, timeoutSeconds: 30 },
        { userAgent: 'sae-image-pull-secret/9.9.9 (octo-org/octo-repo; run 42)', redact }
      )
      expect(await saeClientFactory(KEY, settings)(local()).listSecrets(NS)).toEqual([])
      const [call] = sae.calls('ListSecrets')
      expect(call.status).toBe(200)
      expect(call.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=LTAI5tClientsTest,/)
      expect(call.headers['user-agent']).toContain('sae-image-pull-secret/9.9.9 (octo-org/octo-repo; run 42)')
    })

    test("a client keeps the run's deadline: once it has passed, nothing is sent", async () => {
      let now = 1_000_000
      const clock: RetryClock = { now: () => now, sleep: async () => {}, random: () => 0.5 }
      const settings = clientSettings({ maxAttempts: 4, timeoutSeconds: 30 }, { userAgent: 'ua', redact }, clock)
      now = 1_030_000
      const failure = await saeClientFactory(
        KEY,
        settings
      )(local())
        .listSecrets(NS)
        .catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(ApiError)
      expect((failure as ApiError).code).toBe('Timeout')
      expect(sae.calls()).toEqual([])
    })
  })
})

describe('userAgent', () => {
  test('names the release, the repository and the run', () => {
    expect(userAgent({ repository: 'octo-org/octo-repo', runId: 1234567890 })).toBe(
      `sae-image-pull-secret/${RELEASE} (octo-org/octo-repo; run 1234567890)`
    )
  })

  test('a repository without a run id says the run is unknown', () => {
    expect(userAgent({ repository: 'octo-org/octo-repo' })).toBe(
      `sae-image-pull-secret/${RELEASE} (octo-org/octo-repo; run ?)`
    )
  })

  test('outside a workflow run: the release alone', () => {
    expect(userAgent({})).toBe(`sae-image-pull-secret/${RELEASE}`)
    expect(userAgent({ runId: 42 })).toBe(`sae-image-pull-secret/${RELEASE}`)
  })
})
