// Retries with a deadline: backoff with jitter, or the wait an answer asked for. The clock is
// injected, so tests run instantly and deterministically.
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
  /** The answer said when to ask again (a throttled call's `TimeLeft`): wait that, not the backoff's guess. */
  retryAfterMs?: number
}

/** Exponential backoff with "equal jitter": half the step is fixed, half random, so retries from many jobs spread out. */
export function backoffDelay(attempt: number, random: number, baseDelayMs = 400, maxDelayMs = 8000): number {
  const step = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1))
  return Math.round(step / 2 + (random * step) / 2)
}

/** The wait an answer asked for, plus a little jitter (a fifth of it, 100 ms to 1 s) so that many jobs do not all come back at once. */
export function toldDelay(retryAfterMs: number, random: number): number {
  return Math.round(retryAfterMs + random * Math.min(1000, Math.max(100, retryAfterMs / 5)))
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable (or that `mayRetry`
 * refuses), runs out of attempts, or would sleep past the deadline. Between attempts it waits what
 * the failure asked for (`retryAfterMs`), else an exponential backoff. `onRetry` sees each failure
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
      const failure = error as Partial<RetryableFailure> | undefined
      const retryable = failure?.retryable === true && mayRetry(error)
      if (!retryable || n >= policy.maxAttempts) throw error
      const delay =
        failure?.retryAfterMs !== undefined
          ? toldDelay(failure.retryAfterMs, clock.random())
          : backoffDelay(n, clock.random(), policy.baseDelayMs, policy.maxDelayMs)
      if (clock.now() + delay >= policy.deadline) throw error
      onRetry(error, n, delay)
      await clock.sleep(delay)
    }
  }
}

/**
 * `work`, unless the deadline (timeout-seconds) passes first: then the error `late` makes. For a call
 * that has no timeout of its own (the runner's ID-token request); what it leaves open ends with the
 * step, whose connections are closed. The timer never keeps the process alive, and goes with the work.
 */
export function beforeDeadline<T>(
  work: Promise<T>,
  { policy, clock }: Pick<RetrySettings, 'policy' | 'clock'>,
  late: () => Error
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), Math.max(0, policy.deadline - clock.now()))
    timer.unref()
  })
  return Promise.race([work, expired]).finally(() => clearTimeout(timer))
}
