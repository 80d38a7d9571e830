// run-context.ts: the run as @actions/github's context reads it, and the start-up reading of the
// repository and run id (without loading Octokit) equal to it.
import { describe, expect, test } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readRun, runLink, runOnStartup } from '../../../src/runner/run-context.js'

// The runner's variables, set before @actions/github is first imported (its context reads them then).
const event = join(mkdtempSync(join(tmpdir(), 'run-context-')), 'event.json')
writeFileSync(event, JSON.stringify({ repository: { name: 'from-payload', owner: { login: 'payload-owner' } } }))
Object.assign(process.env, {
  GITHUB_REPOSITORY: 'octo-org/octo-repo',
  GITHUB_RUN_ID: '4242',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_WORKFLOW: 'deploy',
  GITHUB_SERVER_URL: 'https://ghe.example.com',
  GITHUB_EVENT_PATH: event
})

describe('the run', () => {
  test('as @actions/github’s context reads it', async () => {
    expect(await readRun()).toEqual({
      repository: 'octo-org/octo-repo',
      runId: 4242,
      runAttempt: 2,
      workflow: 'deploy',
      serverUrl: 'https://ghe.example.com'
    })
  })

  test('the start-up reading of repository and run id is the context’s', async () => {
    const { context } = await import('@actions/github')
    expect(runOnStartup(process.env)).toEqual({
      repository: `${context.repo.owner}/${context.repo.repo}`,
      runId: context.runId
    })
  })

  test('a run id that is not a number is no run id, as for the context', () => {
    expect(runOnStartup({ GITHUB_RUN_ID: 'local' })).toEqual({ repository: undefined, runId: undefined })
  })

  test('the link of a later attempt is that attempt’s page, on the run’s own server', () => {
    expect(
      runLink({
        repository: 'octo-org/octo-repo',
        runId: 4242,
        runAttempt: 2,
        workflow: 'deploy',
        serverUrl: 'https://ghe.example.com/'
      })
    ).toEqual({
      repository: 'octo-org/octo-repo',
      runUrl: 'https://ghe.example.com/octo-org/octo-repo/actions/runs/4242/attempts/2',
      workflow: 'deploy'
    })
    expect(runLink({ runId: 1, serverUrl: 'https://github.com' }).runUrl).toBeUndefined()
  })
})
