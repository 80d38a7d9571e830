// The one signed call every floor sends: ListSecrets through @alicloud/openapi-client, to the
// emulator named by FLOOR_ENDPOINT with the key FLOOR_KEY_ID / FLOOR_KEY_SECRET.
import * as OpenApi from '@alicloud/openapi-client'

export async function sendOneCall() {
  const Client = typeof OpenApi.default === 'function' ? OpenApi.default : OpenApi.default.default
  const client = new Client(
    new OpenApi.Config({
      endpoint: process.env.FLOOR_ENDPOINT,
      protocol: 'http',
      accessKeyId: process.env.FLOOR_KEY_ID,
      accessKeySecret: process.env.FLOOR_KEY_SECRET
    })
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
}
