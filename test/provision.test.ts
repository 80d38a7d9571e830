import { describe, expect, test } from '@jest/globals'
import { buildDockerConfig, encodeDockerConfig, secretDataParameter } from '../src/docker-config.js'
import { ApiError, SecretExistsError, SecretTypeMismatchError } from '../src/errors.js'
import type { IfExists } from '../src/inputs.js'
import { forEachNamespace, provisionSecret, type SecretPlan } from '../src/provision.js'
import type { SecretDetail, SecretsApi, SecretSummary } from '../src/sae-client.js'

const NS = 'cn-hangzhou:prod'

function plan(ifExists: IfExists, password = 'p'): SecretPlan {
  const dockerConfig = buildDockerConfig(['vpc.example.com', 'public.example.com'], 'u', password)
  const encodedConfig = encodeDockerConfig(dockerConfig)
  return {
    namespaceId: NS,
    secretName: 'registry-auth',
    secretType: 'kubernetes.io/dockerconfigjson',
    dockerConfig,
    encodedConfig,
    secretData: secretDataParameter(encodedConfig),
    ifExists
  }
}

const alreadyExist = (prior = false) => {
  const error = new ApiError({ action: 'CreateSecret', code: 'SecretNameConflict.AlreadyExist', status: 400, requestId: 'R1' })
  error.priorAttemptMaybeApplied = prior
  return error
}

/** An in-memory SAE namespace that records every call. */
class FakeSae implements SecretsApi {
  calls: string[] = []
  secrets = new Map<number, SecretDetail>()
  nextId = 16
  /** Runs before CreateSecret stores anything: simulate another writer or a lost answer. */
  beforeCreate?: (name: string, data: string) => void
  lostCreateAnswer = false

  seed(name: string, encodedConfig: string, type = 'kubernetes.io/dockerconfigjson'): number {
    const id = this.nextId++
    this.secrets.set(id, { secretId: id, secretName: name, secretType: type, data: { '.dockerconfigjson': encodedConfig } })
    return id
  }

  async listSecrets(): Promise<SecretSummary[]> {
    this.calls.push('ListSecrets')
    return [...this.secrets.values()].map(({ secretId, secretName, secretType }) => ({ secretId, secretName, secretType }))
  }

  async describeSecret(_ns: string, secretId: number): Promise<SecretDetail> {
    this.calls.push('DescribeSecret')
    return structuredClone(this.secrets.get(secretId)!)
  }

  async createSecret(_ns: string, name: string, type: string, secretData: string): Promise<number> {
    this.calls.push('CreateSecret')
    this.beforeCreate?.(name, secretData)
    const encoded = JSON.parse(JSON.parse(secretData).SecretData)['.dockerconfigjson']
    if ([...this.secrets.values()].some((secret) => secret.secretName === name)) throw alreadyExist(this.lostCreateAnswer)
    return this.seed(name, encoded, type)
  }

  async updateSecret(_ns: string, secretId: number, secretData: string): Promise<number> {
    this.calls.push('UpdateSecret')
    this.secrets.get(secretId)!.data['.dockerconfigjson'] = JSON.parse(JSON.parse(secretData).SecretData)['.dockerconfigjson']
    return secretId
  }
}

describe('provisionSecret', () => {
  test.each<[IfExists, string[]]>([
    ['skip', ['ListSecrets', 'CreateSecret']],
    ['update', ['ListSecrets', 'CreateSecret']],
    ['fail', ['CreateSecret']]
  ])('creates an absent Secret (if-exists %s) with calls %j', async (ifExists, calls) => {
    const sae = new FakeSae()
    await expect(provisionSecret(sae, plan(ifExists))).resolves.toEqual({ secretId: 16, result: 'created' })
    expect(sae.calls).toEqual(calls)
  })

  test('skip: an existing Secret is success with its id, in one call, untouched', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', 'b2xk')
    await expect(provisionSecret(sae, plan('skip'))).resolves.toEqual({ secretId: id, result: 'skipped' })
    expect(sae.calls).toEqual(['ListSecrets'])
    expect(sae.secrets.get(id)!.data['.dockerconfigjson']).toBe('b2xk')
  })

  test('update: an unchanged Secret is confirmed in two calls, without a write', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', plan('update').encodedConfig)
    await expect(provisionSecret(sae, plan('update'))).resolves.toEqual({ secretId: id, result: 'unchanged' })
    expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret'])
  })

  test('update: a changed Secret is updated in place, never deleted', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', plan('update', 'old').encodedConfig)
    await expect(provisionSecret(sae, plan('update', 'new'))).resolves.toEqual({ secretId: id, result: 'updated' })
    expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret', 'UpdateSecret'])
    expect(sae.secrets.get(id)!.data['.dockerconfigjson']).toBe(plan('update', 'new').encodedConfig)
  })

  test('fail: an existing Secret fails and names it', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', 'b2xk')
    const failure = provisionSecret(sae, plan('fail'))
    await expect(failure).rejects.toBeInstanceOf(SecretExistsError)
    await expect(failure).rejects.toThrow(`already exists in namespace ${NS} (SecretId ${id}) and if-exists is 'fail'`)
  })

  test('a same-named Secret of another type is refused, not reused', async () => {
    const sae = new FakeSae()
    sae.seed('registry-auth', 'b2xk', 'Opaque')
    await expect(provisionSecret(sae, plan('skip'))).rejects.toBeInstanceOf(SecretTypeMismatchError)
  })

  describe('races: the Secret appears between ListSecrets and CreateSecret', () => {
    const racing = (otherPassword: string) => {
      const sae = new FakeSae()
      let raced = false
      sae.beforeCreate = (name) => {
        if (!raced) sae.seed(name, plan('skip', otherPassword).encodedConfig)
        raced = true
      }
      return sae
    }

    test('skip resolves to the winner\'s SecretId', async () => {
      const sae = racing('other')
      await expect(provisionSecret(sae, plan('skip'))).resolves.toEqual({ secretId: 16, result: 'skipped' })
      expect(sae.calls).toEqual(['ListSecrets', 'CreateSecret', 'ListSecrets'])
      expect(sae.secrets.size).toBe(1)
    })

    test('update brings the winner\'s data to ours', async () => {
      const sae = racing('other')
      await expect(provisionSecret(sae, plan('update'))).resolves.toEqual({ secretId: 16, result: 'updated' })
      expect(sae.secrets.get(16)!.data['.dockerconfigjson']).toBe(plan('update').encodedConfig)
    })

    test('update finds identical data unchanged', async () => {
      const sae = racing('p')
      await expect(provisionSecret(sae, plan('update'))).resolves.toEqual({ secretId: 16, result: 'unchanged' })
    })
  })

  describe('lost answers: our earlier CreateSecret attempt was applied', () => {
    const lost = () => {
      const sae = new FakeSae()
      sae.lostCreateAnswer = true
      sae.beforeCreate = (name, data) => {
        sae.seed(name, JSON.parse(JSON.parse(data).SecretData)['.dockerconfigjson'])
        sae.beforeCreate = undefined
      }
      return sae
    }

    test.each<IfExists>(['skip', 'update', 'fail'])('if-exists %s reports created, with one Secret', async (ifExists) => {
      const sae = lost()
      await expect(provisionSecret(sae, plan(ifExists))).resolves.toEqual({ secretId: 16, result: 'created' })
      expect(sae.secrets.size).toBe(1)
    })
  })

  test('API errors other than AlreadyExist pass through', async () => {
    const sae = new FakeSae()
    sae.listSecrets = async () => {
      throw new ApiError({ action: 'ListSecrets', code: 'InvalidNamespaceId.NotFound', status: 404, requestId: 'R9' })
    }
    await expect(provisionSecret(sae, plan('skip'))).rejects.toThrow('InvalidNamespaceId.NotFound (HTTP 404, RequestId R9)')
  })
})

describe('forEachNamespace', () => {
  test('keeps every outcome in order, with at most `limit` in flight', async () => {
    let inFlight = 0
    let peak = 0
    const outcomes = await forEachNamespace(['a', 'b', 'c', 'd', 'e'], 2, async (ns) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise((resolve) => setImmediate(resolve))
      inFlight--
      if (ns === 'c') throw new Error('c failed')
      return { secretId: ns.charCodeAt(0), result: 'created' as const }
    })
    expect(peak).toBe(2)
    expect(outcomes.map((o) => `${o.namespaceId}:${o.outcome.ok}`)).toEqual(['a:true', 'b:true', 'c:false', 'd:true', 'e:true'])
  })
})
