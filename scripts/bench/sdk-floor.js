// The floor for "process start -> first request" with the official SDK: a bundle that does
// nothing but load @alicloud/openapi-client and send one signed ListSecrets. The benchmark
// builds it beside the action so the two are measured in one run.
import * as OpenApi from '@alicloud/openapi-client'

const Client = typeof OpenApi.default === 'function' ? OpenApi.default : OpenApi.default.default
const client = new Client(
  new OpenApi.Config({ endpoint: process.env.FLOOR_ENDPOINT, protocol: 'http', accessKeyId: process.env.FLOOR_KEY_ID, accessKeySecret: process.env.FLOOR_KEY_SECRET })
)
await client.callApi(
  new OpenApi.Params({
    action: 'ListSecrets',
    version: '2019-05-06',
    protocol: 'HTTP',
    pathname: '/pop/v1/sam/secret/secrets',
    method: 'GET',
    authType: 'AK',
    style: 'ROA',
    reqBodyType: 'json',
    bodyType: 'json'
  }),
  new OpenApi.OpenApiRequest({ query: { NamespaceId: 'cn-hangzhou:bench' } }),
  {}
)
