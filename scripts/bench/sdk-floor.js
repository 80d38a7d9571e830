// The floor for "process start -> first request" with the official SDK: a bundle that does
// nothing but load @alicloud/openapi-client and send one signed ListSecrets. The benchmark
// builds it beside the action so the two are measured in one run.
import { sendOneCall } from './floor-call.js'

await sendOneCall()
