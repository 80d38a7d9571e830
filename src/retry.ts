export interface RetryPolicy {
  maxAttempts: number
  /** Epoch ms after which no new attempt starts (timeout-seconds). */
  deadline: number
  /** First backoff step in ms; doubles each attempt, capped at maxDelayMs. */
  baseDelayMs?: number
  maxDelayMs?: number
}

/** Time and chance, injectable so tests run instantly and deterministically. */
export interface RetryClock {
  now(): number
  sleep(ms: number): Promise<void>
  random(): number
}

export const systemClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random()
}

/** How the calls of one run retry: the policy, the clock, and who hears of each retry. */
export interface RetrySettings {
  policy: RetryPolicy
  clock: RetryClock
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void
}

export interface RetryableFailure {
  retryable: boolean
}

/** Exponential backoff with "equal jitter": half the step is fixed, half random, so retries from many jobs spread out. */
export function backoffDelay(attempt: number, random: number, baseDelayMs = 400, maxDelayMs = 8000): number {
  const step = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))
  return Math.round(step / 2 + (random * step) / 2)
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable (or that `mayRetry`
 * refuses), runs out of attempts, or would sleep past the deadline. `onRetry` sees each failure
 * that is retried.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  clock: RetryClock = systemClock,
  onRetry: (error: unknown, n: number, delayMs: number) => void = () => {},
  mayRetry: (error: unknown) => boolean = () => true
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n)
    } catch (error) {
      const retryable = (error as Partial<RetryableFailure>)?.retryable === true && mayRetry(error)
      if (!retryable || n >= policy.maxAttempts) throw error
      const delay = backoffDelay(n, clock.random(), policy.baseDelayMs, policy.maxDelayMs)
      if (clock.now() + delay >= policy.deadline) throw error
      onRetry(error, n, delay)
      await clock.sleep(delay)
    }
  }
}
