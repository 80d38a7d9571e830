import { describe, expect, jest, test } from '@jest/globals'
import {
  backoffDelay,
  beforeDeadline,
  systemClock,
  toldDelay,
  withRetry,
  type RetryClock
} from '../../../../src/sae/sdk/retry.js'

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

  test('starts no attempt at the deadline itself: a wait that ends exactly then is not taken', async () => {
    const clock = fakeClock(0)
    const attempt = failing(retryable)
    // The first backoff with random 0 is 200 ms: it would end at the deadline, not before it.
    await expect(withRetry(attempt, { maxAttempts: 4, deadline: 200 }, clock)).rejects.toThrow('fail 1')
    expect(attempt.calls).toBe(1)
    expect(clock.slept).toEqual([])
  })

  test('waits what the answer asked for (TimeLeft), not the backoff, when the failure carries it', async () => {
    const clock = fakeClock(0.5)
    let calls = 0
    await withRetry(
      async () => {
        calls++
        if (calls === 1) throw Object.assign(new Error('throttled'), { retryable: true, retryAfterMs: 1500 })
        return 'ok'
      },
      { maxAttempts: 2, deadline: 60_000 },
      clock
    )
    // 1500 ms, plus half of the jitter's 300 ms (a fifth of 1500); the backoff would have said 300.
    expect(clock.slept).toEqual([1650])
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

describe('toldDelay', () => {
  test('adds to the wait asked for a jitter of up to a fifth of it', () => {
    expect(toldDelay(1500, 0)).toBe(1500)
    expect(toldDelay(1500, 0.5)).toBe(1650)
    expect(toldDelay(1500, 1)).toBe(1800)
  })

  test('the jitter is at least 100 ms, however short the wait, and at most 1 s, however long', () => {
    expect(toldDelay(200, 1)).toBe(300)
    expect(toldDelay(0, 0.5)).toBe(50)
    expect(toldDelay(10_000, 1)).toBe(11_000)
    expect(toldDelay(60_000, 0.5)).toBe(60_500)
  })
})

describe('systemClock', () => {
  test('sleep resolves once the timer for that many milliseconds has fired, not before', async () => {
    jest.useFakeTimers()
    try {
      let woke = false
      const sleeping = systemClock.sleep(1000).then(() => {
        woke = true
      })
      await jest.advanceTimersByTimeAsync(999)
      expect(woke).toBe(false)
      await jest.advanceTimersByTimeAsync(1)
      await sleeping
      expect(woke).toBe(true)
    } finally {
      jest.useRealTimers()
    }
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

describe('beforeDeadline', () => {
  const at = (now: number, deadline: number) => ({
    policy: { maxAttempts: 1, deadline },
    clock: { now: () => now, sleep: async () => {}, random: () => 0 }
  })
  const never = new Promise<string>(() => {})

  test('work that never ends fails with the error `late` makes once the deadline has passed', async () => {
    await expect(beforeDeadline(never, at(2_000, 1_000), () => new Error('late'))).rejects.toThrow('late')
  })

  test('at the deadline itself, too', async () => {
    await expect(beforeDeadline(never, at(1_000, 1_000), () => new Error('late'))).rejects.toThrow('late')
  })

  test('work done before the deadline keeps its value, and its failure', async () => {
    await expect(beforeDeadline(Promise.resolve('token'), at(0, 60_000), () => new Error('late'))).resolves.toBe(
      'token'
    )
    await expect(
      beforeDeadline(Promise.reject(new Error('refused')), at(0, 60_000), () => new Error('late'))
    ).rejects.toThrow('refused')
  })
})
