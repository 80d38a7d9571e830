import { explainApiCode, isRetryableFault } from '../sae/sdk/api-errors.js'
import type { RelatedApp } from './model.js'

/**
 * Every failure a user sees. The top level prints its message as the step's one `::error::` line;
 * `code` names it in the per-namespace line and the job summary. Anything else that reaches the
 * top level is a bug of ours.
 */
export abstract class ActionError extends Error {
  abstract readonly code: string
}

/** A value the user gave (or left out) is wrong; `input` names it as the workflow spells it. */
export class InputError extends ActionError {
  readonly code = 'InputError'
  constructor(
    readonly input: string,
    readonly problem: string
  ) {
    super(`Input '${input}' ${problem}`)
    this.name = 'InputError'
  }
}

/** Credentials could not be obtained (no credentials at all, no ID token, STS refused the role). */
export class CredentialsError extends ActionError {
  readonly code = 'CredentialsError'
  constructor(message: string) {
    super(message)
    this.name = 'CredentialsError'
  }
}

export interface ApiFault {
  action: string
  code: string
  status?: number
  requestId?: string
  /** The API's own message, already redacted. */
  detail?: string
  /** What to do, when the transport knows better than the code's general explanation. */
  advice?: string
}

/** A call to SAE or STS failed after retries (or at once, when retrying could not help). */
export class ApiError extends ActionError {
  readonly action: string
  readonly code: string
  readonly status?: number
  readonly requestId?: string
  readonly retryable: boolean
  /**
   * The transport's verdict on a write: its request may have reached the service and been applied
   * although no definite answer came back (a 5xx, a page that is not the API, a lost connection).
   */
  readonly mayHaveBeenApplied: boolean
  /** How long to wait before asking again, when the answer said so (a throttled call's `TimeLeft`). */
  readonly retryAfterMs?: number
  /** `<action>: <code> (HTTP <status>, RequestId <id>)`, for the line that announces a retry. */
  readonly brief: string

  constructor(
    fault: ApiFault,
    options: { mayHaveBeenApplied?: boolean; retryable?: boolean; retryAfterMs?: number } = {}
  ) {
    const where = describeWhere(fault)
    const known = explainApiCode(fault.code)
    // The API's own words help where our explanation is generic or missing.
    const advice =
      fault.advice ??
      (known
        ? fault.code.endsWith('WithMessage') && fault.detail
          ? `${known}: ${fault.detail}`
          : known
        : (fault.detail ?? 'the API gave no message'))
    super(`${fault.action} failed: ${fault.code} (${where}): ${advice}`)
    this.name = 'ApiError'
    this.brief = `${fault.action}: ${fault.code} (${where})`
    this.action = fault.action
    this.code = fault.code
    this.status = fault.status
    this.requestId = fault.requestId
    this.retryable = options.retryable ?? isRetryableFault(fault.code, fault.status)
    this.mayHaveBeenApplied = options.mayHaveBeenApplied ?? false
    this.retryAfterMs = options.retryAfterMs
  }
}

function describeWhere(fault: ApiFault): string {
  if (fault.code === 'NonJsonResponse' && fault.status !== undefined)
    return `HTTP ${fault.status}, an answer that is not the API, no RequestId`
  if (fault.status === undefined) {
    if (fault.code === 'NonJsonResponse') return 'an answer that is not the API, no RequestId'
    return fault.code === 'ProxyRefused' ? 'the proxy answered, the API was not reached' : 'no HTTP response'
  }
  return `HTTP ${fault.status}, ${fault.requestId ? `RequestId ${fault.requestId}` : 'no RequestId'}`
}

/** The Secret exists and `if-exists: fail` says that is an error. */
export class SecretExistsError extends ActionError {
  readonly code = 'SecretNameConflict.AlreadyExist'
  constructor(secretName: string, namespaceId: string, secretId?: number) {
    super(
      `Secret '${secretName}' already exists in namespace ${namespaceId}` +
        (secretId === undefined ? '' : ` (SecretId ${secretId})`) +
        ` and if-exists is 'fail'; set if-exists to skip or update, or choose another secret-name`
    )
    this.name = 'SecretExistsError'
  }
}

/** A Secret of this name exists but is not an image-pull Secret: SAE could not pull with it, and it is never deleted. */
export class SecretTypeMismatchError extends ActionError {
  readonly code = 'SecretTypeMismatch'
  constructor(secretName: string, namespaceId: string, secretId: number, actualType: string) {
    super(
      `Secret '${secretName}' (SecretId ${secretId}) in namespace ${namespaceId} has type ${actualType}, ` +
        `not kubernetes.io/dockerconfigjson; this action neither uses nor deletes it: choose another secret-name`
    )
    this.name = 'SecretTypeMismatchError'
  }
}

/** Applications use the Secret and `if-in-use` is `fail`: deleting it would break their next instance start. */
export class SecretInUseError extends ActionError {
  readonly code = 'SecretInUse'
  constructor(secretName: string, namespaceId: string, secretId: number, apps: RelatedApp[]) {
    super(
      `Secret '${secretName}' (SecretId ${secretId}) in namespace ${namespaceId} is used by ${describeApps(apps)}: ` +
        'their next instance start could not pull images without it, so nothing was deleted in this namespace. ' +
        'Point those applications at another Secret first, or set if-in-use: delete to delete it anyway'
    )
    this.name = 'SecretInUseError'
  }
}

/** `AppName (AppId)` for up to ten applications, then how many more. */
export function describeApps(apps: RelatedApp[]): string {
  const shown = apps.slice(0, 10).map((app) => `${app.appName} (${app.appId})`)
  const more = apps.length > 10 ? ` and ${apps.length - 10} more` : ''
  const count = apps.length === 1 ? '1 application' : `${apps.length} applications`
  return `${count}: ${shown.join(', ')}${more}`
}

/** A short code for a failure, for the per-namespace line and the summary. */
export function failureCode(error: unknown): string {
  if (error instanceof ActionError) return error.code
  return error instanceof Error ? error.name : 'Error'
}

/** The runner's environment cannot support the run: a malformed proxy variable, a Node.js without proxy support. */
export class RunnerEnvironmentError extends ActionError {
  readonly code = 'RunnerEnvironment'
  constructor(message: string) {
    super(message)
    this.name = 'RunnerEnvironmentError'
  }
}
