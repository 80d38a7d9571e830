// A dry run's SAE: the real policy run against ReadOnlySecrets decides what the real policy decides
// against SAE itself, in every case of the policy, and SAE sees nothing but ListSecrets and
// DescribeSecret: no write, whatever the case.
import { describe, expect, test } from '@jest/globals'
import { CredentialsError, NoCredentialsError } from '../../../src/domain/errors.js'
import type { IfExists, IfInUse } from '../../../src/inputs/table.js'
import { provisionSecret, type ProvisionOptions } from '../../../src/sae/provision.js'
import { dryRunClients, ReadOnlySecrets } from '../../../src/sae/read-only.js'
import type { SecretsApi } from '../../../src/sae/secrets-client.js'
import type { SecretPlan } from '../../../src/secret/plan.js'
import { FakeSae, OPTIONS, plan } from './support/fake-sae.js'

const SHOP = [{ appId: '7171a6ca', appName: 'shop-web' }]

/** What a namespace holds before the step: nothing, or a Secret of this name, as it is. */
type Stored = 'none' | 'same data' | 'other data' | 'other data, in use' | 'other type'

function seeded(stored: Stored, same: string): FakeSae {
  const sae = new FakeSae()
  sae.seed('unrelated', 'dW5yZWxhdGVk')
  if (stored === 'same data') sae.seed('registry-auth', same)
  if (stored === 'other data') sae.seed('registry-auth', 'b2xk')
  if (stored === 'other data, in use') sae.seed('registry-auth', 'b2xk', undefined, SHOP)
  if (stored === 'other type') sae.seed('registry-auth', 'b2xk', 'Opaque')
  return sae
}

/** What provisioning came to: its result, or its error's class and words. */
async function decided(api: SecretsApi, secret: SecretPlan, options: ProvisionOptions = OPTIONS) {
  try {
    return { ok: await provisionSecret(api, secret, options) }
  } catch (error) {
    return { failed: (error as Error).name, message: (error as Error).message }
  }
}

const STORED: Stored[] = ['none', 'same data', 'other data', 'other data, in use', 'other type']
const present = (['skip', 'update', 'fail'] as IfExists[]).flatMap((ifExists) =>
  STORED.map((stored) => ({ secret: plan(ifExists), stored, case: `present, if-exists: ${ifExists}` }))
)
const absent = (['fail', 'delete'] as IfInUse[]).flatMap((ifInUse) =>
  STORED.map((stored) => ({
    secret: { ...plan('skip'), state: 'absent' as const, ifInUse },
    stored,
    case: `absent, if-in-use: ${ifInUse}`
  }))
)

describe('the policy against ReadOnlySecrets decides as against SAE, and writes nothing', () => {
  test.each([...present, ...absent])('$case, stored: $stored', async ({ secret, stored }) => {
    const real = seeded(stored, secret.encodedConfig)
    const dry = seeded(stored, secret.encodedConfig)
    const before = dry.stored()
    const [wouldBe, is] = [await decided(new ReadOnlySecrets(dry), secret), await decided(real, secret)]
    // A Secret a dry run would create has no id yet; everything else is the real run's.
    if (is.ok?.result === 'created') expect(wouldBe).toEqual({ ok: { ...is.ok, secretId: undefined } })
    else expect(wouldBe).toEqual(is)
    expect(dry.calls.filter((call) => call !== 'ListSecrets' && call !== 'DescribeSecret')).toEqual([])
    expect(dry.stored()).toEqual(before)
  })

  test('the cases cover every result and every refusal of the policy', async () => {
    const seen = new Set<string>()
    for (const { secret, stored } of [...present, ...absent]) {
      const outcome = await decided(new ReadOnlySecrets(seeded(stored, secret.encodedConfig)), secret)
      seen.add(outcome.ok ? outcome.ok.result : outcome.failed!)
    }
    expect([...seen].sort()).toEqual([
      'SecretExistsError',
      'SecretInUseError',
      'SecretTypeMismatchError',
      'absent',
      'created',
      'deleted',
      'skipped',
      'unchanged',
      'updated'
    ])
  })

  test('a write the registry checks stop: the same refusal as in the real run, before anything else', async () => {
    const refusal = new Error('Image r/shop/web:9 does not exist at r')
    const options = {
      ...OPTIONS,
      beforeWrite: async () => {
        throw refusal
      }
    }
    for (const stored of ['none', 'other data'] as Stored[]) {
      const secret = plan('update')
      const dry = seeded(stored, secret.encodedConfig)
      const wouldBe = await decided(new ReadOnlySecrets(dry), secret, options)
      expect(wouldBe).toEqual(await decided(seeded(stored, secret.encodedConfig), secret, options))
      expect(wouldBe).toEqual({ failed: 'Error', message: refusal.message })
    }
  })

  test("skip with other data: the stored Secret's check runs as in a real run, with its data and id", async () => {
    const heard: [string | undefined, number][] = []
    const options = {
      ...OPTIONS,
      checkStored: async (stored: string | undefined, id: number) => void heard.push([stored, id])
    }
    const dry = seeded('other data', plan('skip').encodedConfig)
    await decided(new ReadOnlySecrets(dry), plan('skip'), options)
    expect(heard).toEqual([['b2xk', 17]])
  })

  test('a failed look-up is the error SAE gave: nothing is made up', async () => {
    const dry = new FakeSae()
    const notFound = new Error('ListSecrets failed: InvalidNamespaceId.NotFound')
    dry.listSecrets = async () => {
      throw notFound
    }
    await expect(provisionSecret(new ReadOnlySecrets(dry), plan('skip'), OPTIONS)).rejects.toBe(notFound)
  })

  test('if-exists: fail creates without looking first, so the dry run lists the namespace once for it', async () => {
    const dry = seeded('none', plan('fail').encodedConfig)
    await provisionSecret(new ReadOnlySecrets(dry), plan('fail'), OPTIONS)
    expect(dry.calls).toEqual(['ListSecrets'])
  })
})

describe('dryRunClients', () => {
  const sae = new FakeSae()

  test('signed in: each client is read-only', async () => {
    const found = await dryRunClients(Promise.resolve(() => sae))
    if (!('clients' in found)) throw new Error('expected clients')
    const client = found.clients({ protocol: 'https', host: 'sae.cn-hangzhou.aliyuncs.com', input: 'namespace-id' })
    expect(client).toBeInstanceOf(ReadOnlySecrets)
    await client.deleteSecret('cn-hangzhou:prod', 16)
    expect(sae.calls).toEqual([])
  })

  test('no credentials found: that error, for the offline plan; any other failure to sign in fails as in a real run', async () => {
    const none = new NoCredentialsError('No Alibaba Cloud credentials were found')
    await expect(dryRunClients(Promise.reject(none))).resolves.toEqual({ offline: none })
    const refused = new CredentialsError('STS refused role acs:ram::1:role/deploy')
    await expect(dryRunClients(Promise.reject(refused))).rejects.toBe(refused)
  })
})
