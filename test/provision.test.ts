import { describe, expect, test } from '@jest/globals'
import { buildDockerConfig, encodeDockerConfig, secretDataParameter } from '../src/docker-config.js'
import { ApiError, SecretExistsError, SecretTypeMismatchError } from '../src/errors.js'
import type { IfExists, SecretPlan } from '../src/model.js'
import { forEachNamespace, provisionSecret } from '../src/provision.js'
import type { SecretDetail, SecretsApi, SecretSummary } from '../src/sae-client.js'

const NS = 'cn-hangzhou:prod'

function plan(ifExists: IfExists, password = 'p'): SecretPlan {
  const dockerConfig = buildDockerConfig([{ domains: ['vpc.example.com', 'public.example.com'], username: 'u', password }])
  const encodedConfig = encodeDockerConfig(dockerConfig)
  return {
    namespaceId: NS,
    secretName: 'registry-auth',
    secretType: 'kubernetes.io/dockerconfigjson',
    state: 'present',
    dockerConfig,
    encodedConfig,
    secretData: secretDataParameter(encodedConfig),
    ifExists,
    ifInUse: 'fail'
  }
}

const alreadyExist = () => new ApiError({ action: 'CreateSecret', code: 'SecretNameConflict.AlreadyExist', status: 400, requestId: 'R1' })
/** What the transport reports for a write answered by a gateway's 504 page: it may have been applied. */
const lostAnswer = (action: string) => new ApiError({ action, code: 'NonJsonResponse' }, { mayHaveBeenApplied: true })
const OPTIONS = { attempts: 4 }

/** An in-memory SAE namespace that records every call. */
class FakeSae implements SecretsApi {
  calls: string[] = []
  secrets = new Map<number, SecretDetail>()
  nextId = 16
  /** Runs before CreateSecret stores anything: simulate another writer. */
  beforeCreate?: (name: string, data: string) => void
  /** The next writes of this action are applied, then their answers are lost. */
  lost: Record<string, number> = {}

  seed(name: string, encodedConfig: string, type = 'kubernetes.io/dockerconfigjson'): number {
    const id = this.nextId++
    this.secrets.set(id, { secretId: id, secretName: name, secretType: type, relatedApps: [], data: { '.dockerconfigjson': encodedConfig } })
    return id
  }

  async listSecrets(): Promise<SecretSummary[]> {
    this.calls.push('ListSecrets')
    return [...this.secrets.values()].map(({ secretId, secretName, secretType, relatedApps }) => ({ secretId, secretName, secretType, relatedApps }))
  }

  async describeSecret(_ns: string, secretId: number): Promise<SecretDetail> {
    this.calls.push('DescribeSecret')
    return structuredClone(this.secrets.get(secretId)!)
  }

  async createSecret(_ns: string, name: string, type: string, secretData: string): Promise<number> {
    this.calls.push('CreateSecret')
    this.beforeCreate?.(name, secretData)
    const encoded = JSON.parse(JSON.parse(secretData).SecretData)['.dockerconfigjson']
    if ([...this.secrets.values()].some((secret) => secret.secretName === name)) throw alreadyExist()
    const id = this.seed(name, encoded, type)
    this.loseAnswer('CreateSecret')
    return id
  }

  private loseAnswer(action: string): void {
    if ((this.lost[action] ?? 0) > 0) {
      this.lost[action]--
      throw lostAnswer(action)
    }
  }

  async updateSecret(_ns: string, secretId: number, secretData: string): Promise<number> {
    this.calls.push('UpdateSecret')
    this.secrets.get(secretId)!.data['.dockerconfigjson'] = JSON.parse(JSON.parse(secretData).SecretData)['.dockerconfigjson']
    this.loseAnswer('UpdateSecret')
    return secretId
  }

  async deleteSecret(_ns: string, secretId: number): Promise<void> {
    this.calls.push('DeleteSecret')
    this.secrets.delete(secretId)
    this.loseAnswer('DeleteSecret')
  }
}

describe('provisionSecret', () => {
  test.each<[IfExists, string[]]>([
    ['skip', ['ListSecrets', 'CreateSecret']],
    ['update', ['ListSecrets', 'CreateSecret']],
    ['fail', ['CreateSecret']]
  ])('creates an absent Secret (if-exists %s) with calls %j', async (ifExists, calls) => {
    const sae = new FakeSae()
    await expect(provisionSecret(sae, plan(ifExists), OPTIONS)).resolves.toEqual({ secretId: 16, result: 'created', relatedApps: [] })
    expect(sae.calls).toEqual(calls)
  })

  test('skip: an existing Secret is success with its id, untouched; its differing data is reported as drift', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', 'b2xk')
    await expect(provisionSecret(sae, plan('skip'), OPTIONS)).resolves.toEqual({ secretId: id, result: 'skipped', relatedApps: [], drifted: true })
    expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret'])
    expect(sae.secrets.get(id)!.data['.dockerconfigjson']).toBe('b2xk')
  })

  test('skip: equal data, reordered or not, is no drift', async () => {
    const sae = new FakeSae()
    const reordered = Buffer.from(JSON.stringify({ auths: { 'public.example.com': { auth: 'dTpw', password: 'p', username: 'u' }, 'vpc.example.com': { username: 'u', password: 'p', auth: 'dTpw' } } })).toString('base64')
    const id = sae.seed('registry-auth', reordered)
    await expect(provisionSecret(sae, plan('skip'), OPTIONS)).resolves.toEqual({ secretId: id, result: 'skipped', relatedApps: [], drifted: false })
  })

  test('update: an unchanged Secret is confirmed in two calls, without a write', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', plan('update').encodedConfig)
    await expect(provisionSecret(sae, plan('update'), OPTIONS)).resolves.toEqual({ secretId: id, result: 'unchanged', relatedApps: [] })
    expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret'])
  })

  test('update: a changed Secret is updated in place, never deleted', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', plan('update', 'old').encodedConfig)
    await expect(provisionSecret(sae, plan('update', 'new'), OPTIONS)).resolves.toEqual({ secretId: id, result: 'updated', relatedApps: [] })
    expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret', 'UpdateSecret'])
    expect(sae.secrets.get(id)!.data['.dockerconfigjson']).toBe(plan('update', 'new').encodedConfig)
  })

  test('fail: an existing Secret fails and names it', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', 'b2xk')
    const failure = provisionSecret(sae, plan('fail'), OPTIONS)
    await expect(failure).rejects.toBeInstanceOf(SecretExistsError)
    await expect(failure).rejects.toThrow(`already exists in namespace ${NS} (SecretId ${id}) and if-exists is 'fail'`)
  })

  test('a same-named Secret of another type is refused, not reused', async () => {
    const sae = new FakeSae()
    sae.seed('registry-auth', 'b2xk', 'Opaque')
    await expect(provisionSecret(sae, plan('skip'), OPTIONS)).rejects.toBeInstanceOf(SecretTypeMismatchError)
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
      await expect(provisionSecret(sae, plan('skip'), OPTIONS)).resolves.toEqual({ secretId: 16, result: 'skipped', relatedApps: [], drifted: true })
      expect(sae.calls).toEqual(['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret'])
      expect(sae.secrets.size).toBe(1)
    })

    test('update brings the winner\'s data to ours', async () => {
      const sae = racing('other')
      await expect(provisionSecret(sae, plan('update'), OPTIONS)).resolves.toEqual({ secretId: 16, result: 'updated', relatedApps: [] })
      expect(sae.secrets.get(16)!.data['.dockerconfigjson']).toBe(plan('update').encodedConfig)
    })

    test('update finds identical data unchanged', async () => {
      const sae = racing('p')
      await expect(provisionSecret(sae, plan('update'), OPTIONS)).resolves.toEqual({ secretId: 16, result: 'unchanged', relatedApps: [] })
    })
  })

  describe('lost answers: a write was applied, its answer lost (the transport says it may have been applied)', () => {
    test.each<[IfExists, string[]]>([
      ['skip', ['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret']],
      ['update', ['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret']],
      ['fail', ['CreateSecret', 'ListSecrets', 'DescribeSecret']]
    ])('CreateSecret, if-exists %s: looks, sees our data, reports created, with one Secret', async (ifExists, calls) => {
      const sae = new FakeSae()
      sae.lost.CreateSecret = 1
      await expect(provisionSecret(sae, plan(ifExists), OPTIONS)).resolves.toEqual({ secretId: 16, result: 'created', relatedApps: [] })
      expect(sae.secrets.size).toBe(1)
      expect(sae.calls).toEqual(calls)
    })

    test('CreateSecret that was not applied is sent again after the look', async () => {
      const sae = new FakeSae()
      let failures = 1
      const create = sae.createSecret.bind(sae)
      sae.createSecret = async (...args) => {
        if (failures-- > 0) {
          sae.calls.push('CreateSecret')
          throw lostAnswer('CreateSecret')
        }
        return create(...args)
      }
      await expect(provisionSecret(sae, plan('fail'), OPTIONS)).resolves.toEqual({ secretId: 16, result: 'created', relatedApps: [] })
      expect(sae.calls).toEqual(['CreateSecret', 'ListSecrets', 'CreateSecret'])
    })

    test('CreateSecret lost every time: at most `attempts` writes, then the error', async () => {
      const sae = new FakeSae()
      sae.createSecret = async () => {
        sae.calls.push('CreateSecret')
        throw lostAnswer('CreateSecret')
      }
      await expect(provisionSecret(sae, plan('fail'), { attempts: 2 })).rejects.toThrow('CreateSecret failed: NonJsonResponse')
      expect(sae.calls).toEqual(['CreateSecret', 'ListSecrets', 'CreateSecret', 'ListSecrets'])
    })

    test('UpdateSecret: looks, sees our data, reports updated', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', plan('update', 'old').encodedConfig)
      sae.lost.UpdateSecret = 1
      await expect(provisionSecret(sae, plan('update', 'new'), OPTIONS)).resolves.toEqual({ secretId: id, result: 'updated', relatedApps: [] })
      expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret', 'UpdateSecret', 'DescribeSecret'])
    })

    test('DeleteSecret: looks, sees it gone, reports deleted', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', 'b2xk')
      sae.lost.DeleteSecret = 1
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).resolves.toEqual({ secretId: id, result: 'deleted', relatedApps: [] })
      expect(sae.calls).toEqual(['ListSecrets', 'DeleteSecret', 'ListSecrets'])
    })
  })

  describe('state: absent', () => {
    test('deletes the Secret in two calls', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', 'b2xk')
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).resolves.toEqual({ secretId: id, result: 'deleted', relatedApps: [] })
      expect(sae.calls).toEqual(['ListSecrets', 'DeleteSecret'])
      expect(sae.secrets.size).toBe(0)
    })

    test('no Secret: absent, in one call', async () => {
      const sae = new FakeSae()
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).resolves.toEqual({ result: 'absent', relatedApps: [] })
      expect(sae.calls).toEqual(['ListSecrets'])
    })

    test('a same-named Secret of another type is an error and is never deleted', async () => {
      const sae = new FakeSae()
      sae.seed('registry-auth', 'b2xk', 'Opaque')
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).rejects.toBeInstanceOf(SecretTypeMismatchError)
      expect(sae.calls).toEqual(['ListSecrets'])
      expect(sae.secrets.size).toBe(1)
    })
  })

  describe('beforeWrite: the registry login gates every write', () => {
    const refused = () => Promise.reject(new Error('login refused'))

    test('a refusal stops a create before it is sent', async () => {
      const sae = new FakeSae()
      await expect(provisionSecret(sae, plan('skip'), { attempts: 4, beforeWrite: refused })).rejects.toThrow('login refused')
      expect(sae.calls).toEqual(['ListSecrets'])
    })

    test('a refusal stops an update; an unchanged Secret needs no write and no verdict', async () => {
      const sae = new FakeSae()
      sae.seed('registry-auth', plan('update', 'old').encodedConfig)
      await expect(provisionSecret(sae, plan('update'), { attempts: 4, beforeWrite: refused })).rejects.toThrow('login refused')
      expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret'])
      const same = new FakeSae()
      same.seed('registry-auth', plan('update').encodedConfig)
      await expect(provisionSecret(same, plan('update'), { attempts: 4, beforeWrite: refused })).resolves.toMatchObject({ result: 'unchanged', relatedApps: [] })
    })
  })

  test('API errors other than AlreadyExist pass through', async () => {
    const sae = new FakeSae()
    sae.listSecrets = async () => {
      throw new ApiError({ action: 'ListSecrets', code: 'InvalidNamespaceId.NotFound', status: 404, requestId: 'R9' })
    }
    await expect(provisionSecret(sae, plan('skip'), OPTIONS)).rejects.toThrow('InvalidNamespaceId.NotFound (HTTP 404, RequestId R9)')
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
      return { secretId: ns.charCodeAt(0), result: 'created' as const, relatedApps: [] }
    })
    expect(peak).toBe(2)
    expect(outcomes.map((o) => `${o.namespaceId}:${o.outcome.ok}`)).toEqual(['a:true', 'b:true', 'c:false', 'd:true', 'e:true'])
  })
})
