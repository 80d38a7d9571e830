// The failures a user sees, as one family: the top level prints each one's message as the step's one
// `::error::` line. The failures of one outside system live beside it (sae/errors.ts, sae/sdk/api-errors.ts).
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

/**
 * No source offered credentials (every one tried is named). A real run fails with it; a dry run
 * plans offline instead, and says so.
 */
export class NoCredentialsError extends CredentialsError {
  constructor(message: string) {
    super(message)
    this.name = 'NoCredentialsError'
  }
}

/** The runner's environment cannot support the run: a malformed proxy variable, a Node.js without proxy support. */
export class RunnerEnvironmentError extends ActionError {
  readonly code = 'RunnerEnvironment'
  constructor(message: string) {
    super(message)
    this.name = 'RunnerEnvironmentError'
  }
}
