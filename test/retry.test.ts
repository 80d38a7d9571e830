import { describe, expect, test } from '@jest/globals'
import { backoffDelay, withRetry, type RetryClock } from '../src/retry.js'

/** A clock that moves only when the code under test sleeps. */
function fakeClock(random = 0.5): RetryClock & { slept: number[]; time: number } {
  const clock = {
    time: 0,
    slept: [] as number[],
    now: () => clock.time,
    sleep: async (ms: number) => {
      clock.slept.push(ms)
      clock.time += ms
    },
    random: () => random
  }
  return clock
}

const retryable = (label: string) => Object.assign(new Error(label), { retryable: true })
const final = (label: string) => Object.assign(new Error(label), { retryable: false })

describe('withRetry', () => {
  test('retries retryable failures with growing, jittered backoff, then succeeds', async () => {
    const clock = fakeClock()
    let calls = 0
    const value = await withRetry(
      async () => {
        calls++
        if (calls < 4) throw retryable(`fail ${calls}`)
        return 'ok'
      },
      { maxAttempts: 4, deadline: 60_000 },
      clock
    )
    expect(value).toBe('ok')
    expect(calls).toBe(4)
    expect(clock.slept).toEqual([300, 600, 1200])
  })

  /** An attempt that always fails, numbering its errors, and counts its calls. */
  function failing(make: (label: string) => Error) {
    const attempt = Object.assign(
      async () => {
        attempt.calls++
        throw make(`fail ${attempt.calls}`)
      },
      { calls: 0 }
    )
    return attempt
  }

  test('does not retry an error that is not retryable', async () => {
    const clock = fakeClock()
    const attempt = failing(final)
    await expect(withRetry(attempt, { maxAttempts: 4, deadline: 60_000 }, clock)).rejects.toThrow('fail 1')
    expect(attempt.calls).toBe(1)
    expect(clock.slept).toEqual([])
  })

  test('gives up after max attempts with the last error', async () => {
    const attempt = failing(retryable)
    await expect(withRetry(attempt, { maxAttempts: 3, deadline: 60_000 }, fakeClock())).rejects.toThrow('fail 3')
    expect(attempt.calls).toBe(3)
  })

  test('never sleeps past the deadline', async () => {
    const clock = fakeClock()
    await expect(withRetry(failing(retryable), { maxAttempts: 10, deadline: 1000 }, clock)).rejects.toThrow('fail 3')
    // 300 + 600 fit in the second; the next 1200 would pass it.
    expect(clock.slept).toEqual([300, 600])
  })

  test('tells onRetry about each retried failure', async () => {
    const seen: string[] = []
    await withRetry(
      async (n) => {
        if (n === 1) throw retryable('throttled')
        return n
      },
      { maxAttempts: 2, deadline: 60_000 },
      fakeClock(),
      (error, attempt, delay) => seen.push(`${(error as Error).message} #${attempt} ${delay}ms`)
    )
    expect(seen).toEqual(['throttled #1 300ms'])
  })
})

describe('backoffDelay', () => {
  test('doubles per attempt between half and all of each step, capped', () => {
    expect(backoffDelay(1, 0)).toBe(200)
    expect(backoffDelay(1, 1)).toBe(400)
    expect(backoffDelay(3, 0)).toBe(800)
    expect(backoffDelay(20, 1)).toBe(8000)
  })
})
