// The runner's protocol (inputs, masks, outputs, logs, summary), through @actions/core's own
// modules. Its package entry also loads @actions/http-client and undici (900 KiB) for
// getIDToken, which only the OIDC path uses: importing the protocol modules directly keeps that
// off every other run's start-up (see README "Performance"). getIDToken loads the full package.
import { EOL } from 'node:os'
import { issueCommand } from '../node_modules/@actions/core/lib/command.js'
import { issueFileCommand, prepareKeyValueMessage } from '../node_modules/@actions/core/lib/file-command.js'
import { summary } from '../node_modules/@actions/core/lib/summary.js'
import { toCommandValue } from '../node_modules/@actions/core/lib/utils.js'

export { summary }

/** As core.getInput: `INPUT_<NAME>` with spaces as `_`, upper-cased, trimmed; '' when absent. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()
}

export function setSecret(secret: string): void {
  issueCommand('add-mask', {}, secret)
}

export function setOutput(name: string, value: string): void {
  if (process.env.GITHUB_OUTPUT) {
    issueFileCommand('OUTPUT', prepareKeyValueMessage(name, value))
    return
  }
  process.stdout.write(EOL)
  issueCommand('set-output', { name }, toCommandValue(value))
}

export function info(message: string): void {
  process.stdout.write(message + EOL)
}

export function debug(message: string): void {
  issueCommand('debug', {}, message)
}

export function warning(message: string): void {
  issueCommand('warning', {}, message)
}

export function setFailed(message: string): void {
  process.exitCode = 1
  issueCommand('error', {}, message)
}

export async function getIDToken(audience: string): Promise<string> {
  const core = await import('@actions/core')
  return core.getIDToken(audience)
}
