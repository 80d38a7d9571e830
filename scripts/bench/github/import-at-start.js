// (b) `await import('@actions/github')` at the start, before the first request (as the user agent
// or a default STS session name from github.context would need).
import * as core from '@actions/core'
import { sendOneCall } from '../floor-call.js'
import { runLink, timed } from './measure.js'

const { context } = await timed(() => import('@actions/github'))
core.info(runLink(context))
await sendOneCall()
core.setOutput('secret-id', 'bench')
