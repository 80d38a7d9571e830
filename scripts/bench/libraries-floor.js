// The floor for "process start -> first request" with the two libraries the action must load:
// @actions/core (through its public entry) and @alicloud/openapi-client, sending one signed
// ListSecrets. Everything the action does beyond this is its own cost.
import * as core from '@actions/core'
import { sendOneCall } from './floor-call.js'

core.info('libraries floor')
await sendOneCall()
