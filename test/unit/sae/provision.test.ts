import { describe, expect, test } from '@jest/globals'
import { ApiError } from '../../../src/sae/sdk/api-errors.js'
import { SecretExistsError, SecretInUseError, SecretTypeMismatchError } from '../../../src/sae/errors.js'
import type { IfExists } from '../../../src/inputs/table.js'
import { forEachNamespace, provisionAll, provisionSecret } from '../../../src/sae/provision.js'
import type { SecretSummary } from '../../../src/sae/secrets-client.js'
import { alreadyExist, FakeSae, lostAnswer, NS, OPTIONS, plan } from './support/fake-sae.js'

describe('provisionSecret', () => {
  test.each<[IfExists, string[]]>([
    ['skip', ['ListSecrets', 'CreateSecret']],
    ['update', ['ListSecrets', 'CreateSecret']],
    ['fail', ['CreateSecret']]
  ])('creates an absent Secret (if-exists %s) with calls %j', async (ifExists, calls) => {
    const sae = new FakeSae()
    await expect(provisionSecret(sae, plan(ifExists), OPTIONS)).resolves.toEqual({
      secretId: 16,
      result: 'created',
      relatedApps: []
    })
    expect(sae.calls).toEqual(calls)
  })

  test('skip: an existing Secret is success with its id, untouched; its differing data is reported as drift', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', 'b2xk')
    await expect(provisionSecret(sae, plan('skip'), OPTIONS)).resolves.toEqual({
      secretId: id,
      result: 'skipped',
      relatedApps: [],
      drifted: true
    })
    expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret'])
    expect(sae.secrets.get(id)!.data['.dockerconfigjson']).toBe('b2xk')
  })

  test('skip: equal data, reordered or not, is no drift', async () => {
    const sae = new FakeSae()
    const reordered = Buffer.from(
      JSON.stringify({
        auths: {
          'public.example.com': { auth: 'dTpw', password: 'p', username: 'u' },
          'vpc.example.com': { username: 'u', password: 'p', auth: 'dTpw' }
        }
      })
    ).toString('base64')
    const id = sae.seed('registry-auth', reordered)
    await expect(provisionSecret(sae, plan('skip'), OPTIONS)).resolves.toEqual({
      secretId: id,
      result: 'skipped',
      relatedApps: [],
      drifted: false
    })
  })

  test('update: an unchanged Secret is confirmed in two calls, without a write', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', plan('update').encodedConfig)
    await expect(provisionSecret(sae, plan('update'), OPTIONS)).resolves.toEqual({
      secretId: id,
      result: 'unchanged',
      relatedApps: []
    })
    expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret'])
  })

  test('update: a changed Secret is updated in place, never deleted', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', plan('update', 'old').encodedConfig)
    await expect(provisionSecret(sae, plan('update', 'new'), OPTIONS)).resolves.toEqual({
      secretId: id,
      result: 'updated',
      relatedApps: []
    })
    expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret', 'UpdateSecret'])
    expect(sae.secrets.get(id)!.data['.dockerconfigjson']).toBe(plan('update', 'new').encodedConfig)
  })

  test('fail: an existing Secret fails and names it', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', 'b2xk')
    const failure = provisionSecret(sae, plan('fail'), OPTIONS)
    await expect(failure).rejects.toBeInstanceOf(SecretExistsError)
    await expect(failure).rejects.toThrow(`already exists in namespace ${NS} (SecretId ${id}) and if-exists is 'fail'`)
    // Its data is not read: nothing in it could change the answer.
    expect(sae.calls).toEqual(['CreateSecret', 'ListSecrets'])
  })

  test('a listed Secret whose type the listing leaves out is taken as ours', async () => {
    const sae = new FakeSae()
    const id = sae.seed('registry-auth', plan('skip').encodedConfig, '')
    await expect(provisionSecret(sae, plan('skip'), OPTIONS)).resolves.toEqual({
      secretId: id,
      result: 'skipped',
      relatedApps: [],
      drifted: false
    })
  })

  describe('skip with a stored Secret: the Secret the deploy will use must still pull', () => {
    test('differing data: the stored Secret is checked, with its data and SecretId', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', 'b2xk')
      const checked: [string | undefined, number][] = []
      const checkStored = async (stored: string | undefined, secretId: number) => {
        checked.push([stored, secretId])
      }
      await expect(provisionSecret(sae, plan('skip'), { ...OPTIONS, checkStored })).resolves.toMatchObject({
        secretId: id,
        result: 'skipped',
        drifted: true
      })
      expect(checked).toEqual([['b2xk', id]])
    })

    test('equal data is not checked again: it is what the step would write', async () => {
      const sae = new FakeSae()
      sae.seed('registry-auth', plan('skip').encodedConfig)
      const checked: unknown[] = []
      const checkStored = async (stored: string | undefined) => {
        checked.push(stored)
      }
      await expect(provisionSecret(sae, plan('skip'), { ...OPTIONS, checkStored })).resolves.toMatchObject({
        result: 'skipped',
        drifted: false
      })
      expect(checked).toEqual([])
    })

    test('a stored Secret that can no longer pull fails the step', async () => {
      const sae = new FakeSae()
      sae.seed('registry-auth', 'b2xk')
      const stale = new Error('the stored credentials are refused')
      await expect(
        provisionSecret(sae, plan('skip'), { ...OPTIONS, checkStored: () => Promise.reject(stale) })
      ).rejects.toBe(stale)
    })
  })

  test('onStored hears every stored .dockerconfigjson DescribeSecret returns, before anything is done with it', async () => {
    const sae = new FakeSae()
    sae.seed('registry-auth', 'b2xk')
    sae.lost.UpdateSecret = 1
    const onStored = (stored: string | undefined) => {
      sae.calls.push(`heard ${stored}`)
    }
    await expect(provisionSecret(sae, plan('update'), { ...OPTIONS, onStored })).resolves.toMatchObject({
      result: 'updated'
    })
    expect(sae.calls).toEqual([
      'ListSecrets',
      'DescribeSecret',
      'heard b2xk',
      'UpdateSecret',
      'DescribeSecret',
      `heard ${plan('update').encodedConfig}`
    ])
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

    test("skip resolves to the winner's SecretId", async () => {
      const sae = racing('other')
      await expect(provisionSecret(sae, plan('skip'), OPTIONS)).resolves.toEqual({
        secretId: 16,
        result: 'skipped',
        relatedApps: [],
        drifted: true
      })
      expect(sae.calls).toEqual(['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret'])
      expect(sae.secrets.size).toBe(1)
    })

    test("update brings the winner's data to ours", async () => {
      const sae = racing('other')
      await expect(provisionSecret(sae, plan('update'), OPTIONS)).resolves.toEqual({
        secretId: 16,
        result: 'updated',
        relatedApps: []
      })
      expect(sae.secrets.get(16)!.data['.dockerconfigjson']).toBe(plan('update').encodedConfig)
    })

    test('update finds identical data unchanged', async () => {
      const sae = racing('p')
      await expect(provisionSecret(sae, plan('update'), OPTIONS)).resolves.toEqual({
        secretId: 16,
        result: 'unchanged',
        relatedApps: []
      })
    })
  })

  describe('lost answers: a write was applied, its answer lost (the transport says it may have been applied)', () => {
    test.each<[IfExists, string[]]>([
      ['skip', ['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret']],
      ['update', ['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret']],
      ['fail', ['CreateSecret', 'ListSecrets', 'DescribeSecret']]
    ])(
      'CreateSecret, if-exists %s: looks, sees our data, reports created, with one Secret',
      async (ifExists, calls) => {
        const sae = new FakeSae()
        sae.lost.CreateSecret = 1
        await expect(provisionSecret(sae, plan(ifExists), OPTIONS)).resolves.toEqual({
          secretId: 16,
          result: 'created',
          relatedApps: []
        })
        expect(sae.secrets.size).toBe(1)
        expect(sae.calls).toEqual(calls)
      }
    )

    test('CreateSecret that was not applied is sent again after the look', async () => {
      const sae = new FakeSae()
      sae.dropped.CreateSecret = 1
      await expect(provisionSecret(sae, plan('fail'), OPTIONS)).resolves.toEqual({
        secretId: 16,
        result: 'created',
        relatedApps: []
      })
      expect(sae.calls).toEqual(['CreateSecret', 'ListSecrets', 'CreateSecret'])
    })

    test('CreateSecret lost every time: at most `attempts` writes, then the error', async () => {
      const sae = new FakeSae()
      sae.createSecret = async () => {
        sae.calls.push('CreateSecret')
        throw lostAnswer('CreateSecret')
      }
      await expect(provisionSecret(sae, plan('fail'), { attempts: 2 })).rejects.toThrow(
        'CreateSecret failed: NonJsonResponse'
      )
      expect(sae.calls).toEqual(['CreateSecret', 'ListSecrets', 'CreateSecret', 'ListSecrets'])
    })

    test('UpdateSecret: looks, sees our data, reports updated', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', plan('update', 'old').encodedConfig)
      sae.lost.UpdateSecret = 1
      await expect(provisionSecret(sae, plan('update', 'new'), OPTIONS)).resolves.toEqual({
        secretId: id,
        result: 'updated',
        relatedApps: []
      })
      expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret', 'UpdateSecret', 'DescribeSecret'])
    })

    test('DeleteSecret: looks, sees it gone, reports deleted', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', 'b2xk')
      sae.lost.DeleteSecret = 1
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).resolves.toEqual({
        secretId: id,
        result: 'deleted',
        relatedApps: []
      })
      expect(sae.calls).toEqual(['ListSecrets', 'DeleteSecret', 'ListSecrets'])
    })

    describe("CreateSecret lost, not applied, and the look finds a Secret of that name holding someone else's data", () => {
      /** Another writer's Secret lands while our CreateSecret is lost on the way. */
      const overtaken = () => {
        const sae = new FakeSae()
        sae.beforeCreate = (name) => {
          sae.seed(name, plan('skip', 'other').encodedConfig)
        }
        sae.dropped.CreateSecret = 1
        return sae
      }

      test('if-exists fail: fails naming it, and never writes it', async () => {
        const sae = overtaken()
        const failure = provisionSecret(sae, plan('fail'), OPTIONS)
        await expect(failure).rejects.toBeInstanceOf(SecretExistsError)
        await expect(failure).rejects.toThrow('(SecretId 16)')
        expect(sae.calls).toEqual(['CreateSecret', 'ListSecrets', 'DescribeSecret'])
        expect(sae.stored()).toEqual([['registry-auth', plan('skip', 'other').encodedConfig]])
      })

      test('if-exists skip: skipped with drift, never written, the stored Secret checked', async () => {
        const sae = overtaken()
        const checked: number[] = []
        const checkStored = async (_stored: string | undefined, secretId: number) => {
          checked.push(secretId)
        }
        await expect(provisionSecret(sae, plan('skip'), { ...OPTIONS, checkStored })).resolves.toEqual({
          secretId: 16,
          result: 'skipped',
          relatedApps: [],
          drifted: true
        })
        expect(checked).toEqual([16])
        expect(sae.calls).toEqual(['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret'])
        expect(sae.stored()).toEqual([['registry-auth', plan('skip', 'other').encodedConfig]])
      })

      test('if-exists update: updated to our data in place, not reported created', async () => {
        const sae = overtaken()
        await expect(provisionSecret(sae, plan('update'), OPTIONS)).resolves.toEqual({
          secretId: 16,
          result: 'updated',
          relatedApps: []
        })
        expect(sae.calls).toEqual(['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret', 'UpdateSecret'])
        expect(sae.stored()).toEqual([['registry-auth', plan('update').encodedConfig]])
      })
    })

    test.each<[IfExists, string[]]>([
      ['fail', ['CreateSecret', 'ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret']],
      ['skip', ['ListSecrets', 'CreateSecret', 'ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret']],
      ['update', ['ListSecrets', 'CreateSecret', 'ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret']]
    ])(
      'if-exists %s: CreateSecret applied, its answer lost, the look misses it (a lagging listing): the repeat meets AlreadyExist, and the Secret holding our data is ours, created',
      async (ifExists, calls) => {
        const sae = new FakeSae()
        sae.lost.CreateSecret = 1
        sae.listingLag = 1
        await expect(provisionSecret(sae, plan(ifExists), OPTIONS)).resolves.toEqual({
          secretId: 16,
          result: 'created',
          relatedApps: []
        })
        expect(sae.calls).toEqual(calls)
        expect(sae.secrets.size).toBe(1)
      }
    )

    test("if-exists fail: CreateSecret lost, then AlreadyExist from a Secret holding someone else's data: its data is read, and the step fails", async () => {
      const sae = new FakeSae()
      sae.dropped.CreateSecret = 1
      let creates = 0
      sae.beforeCreate = (name) => {
        if (++creates === 2) sae.seed(name, plan('skip', 'other').encodedConfig)
      }
      await expect(provisionSecret(sae, plan('fail'), OPTIONS)).rejects.toBeInstanceOf(SecretExistsError)
      expect(sae.calls).toEqual(['CreateSecret', 'ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret'])
      expect(sae.stored()).toEqual([['registry-auth', plan('skip', 'other').encodedConfig]])
    })

    test('onLostAnswer hears each lost answer: the error, whether the look found the write applied, and the attempt', async () => {
      const sae = new FakeSae()
      sae.dropped.CreateSecret = 1
      sae.lost.CreateSecret = 1
      const heard: [string, string, boolean, number][] = []
      const onLostAnswer = (error: ApiError, applied: boolean, attempt: number) => {
        heard.push([error.action, error.code, applied, attempt])
      }
      await expect(provisionSecret(sae, plan('fail'), { ...OPTIONS, onLostAnswer })).resolves.toEqual({
        secretId: 16,
        result: 'created',
        relatedApps: []
      })
      expect(heard).toEqual([
        ['CreateSecret', 'NonJsonResponse', false, 1],
        ['CreateSecret', 'NonJsonResponse', true, 2]
      ])
    })

    test('UpdateSecret lost and not applied: the look sees the old data, and it is sent again', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', plan('update', 'old').encodedConfig)
      sae.dropped.UpdateSecret = 1
      await expect(provisionSecret(sae, plan('update', 'new'), OPTIONS)).resolves.toEqual({
        secretId: id,
        result: 'updated',
        relatedApps: []
      })
      expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret', 'UpdateSecret', 'DescribeSecret', 'UpdateSecret'])
      expect(sae.stored()).toEqual([['registry-auth', plan('update', 'new').encodedConfig]])
    })

    test('DeleteSecret lost and not applied: the look still finds it, and it is sent again', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', 'b2xk')
      sae.dropped.DeleteSecret = 1
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).resolves.toEqual({
        secretId: id,
        result: 'deleted',
        relatedApps: []
      })
      expect(sae.calls).toEqual(['ListSecrets', 'DeleteSecret', 'ListSecrets', 'DeleteSecret'])
      expect(sae.secrets.size).toBe(0)
    })

    test('DeleteSecret lost every time: at most `attempts` deletes, then the error; the Secret stays', async () => {
      const sae = new FakeSae()
      sae.seed('registry-auth', 'b2xk')
      sae.dropped.DeleteSecret = 99
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, { attempts: 2 })).rejects.toThrow(
        'DeleteSecret failed: NonJsonResponse'
      )
      expect(sae.calls).toEqual(['ListSecrets', 'DeleteSecret', 'ListSecrets', 'DeleteSecret', 'ListSecrets'])
      expect(sae.secrets.size).toBe(1)
    })

    test('a write refused outright (its answer says it was not applied) is neither looked after nor sent again', async () => {
      const sae = new FakeSae()
      sae.seed('registry-auth', plan('update', 'old').encodedConfig)
      const refusal = new ApiError({
        action: 'UpdateSecret',
        code: 'InvalidParameter.Obviously',
        status: 400,
        requestId: 'R2'
      })
      sae.updateSecret = async () => {
        sae.calls.push('UpdateSecret')
        throw refusal
      }
      await expect(provisionSecret(sae, plan('update', 'new'), OPTIONS)).rejects.toBe(refusal)
      expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret', 'UpdateSecret'])
    })

    test('an error that is not an ApiError is never taken for a lost answer, whatever it carries', async () => {
      const sae = new FakeSae()
      sae.seed('registry-auth', 'b2xk')
      const bug = Object.assign(new Error('socket hang up'), { mayHaveBeenApplied: true })
      sae.deleteSecret = async () => {
        sae.calls.push('DeleteSecret')
        throw bug
      }
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).rejects.toBe(bug)
      expect(sae.calls).toEqual(['ListSecrets', 'DeleteSecret'])
    })
  })

  describe('CreateSecret refused: only AlreadyExist, as our ApiError, sends it to look', () => {
    test('AlreadyExist, then no Secret of that name is listed: the conflict is the error, not a crash', async () => {
      const sae = new FakeSae()
      sae.createSecret = async () => {
        sae.calls.push('CreateSecret')
        throw alreadyExist()
      }
      const failure = provisionSecret(sae, plan('skip'), OPTIONS)
      await expect(failure).rejects.toBeInstanceOf(ApiError)
      await expect(failure).rejects.toMatchObject({ action: 'CreateSecret', code: 'SecretNameConflict.AlreadyExist' })
      // Not the stock advice (set if-exists to skip or update): this run's if-exists is skip already.
      await expect(failure).rejects.toThrow(
        "CreateSecret failed: SecretNameConflict.AlreadyExist (no HTTP response): SAE says a Secret named 'registry-auth' exists in cn-hangzhou:prod, but ListSecrets does not list it (deleted meanwhile, or a listing that lags); nothing was written. Run the step again"
      )
      expect(sae.calls).toEqual(['ListSecrets', 'CreateSecret', 'ListSecrets'])
    })

    test('another refusal fails as it is, without a look', async () => {
      const sae = new FakeSae()
      const refusal = new ApiError({
        action: 'CreateSecret',
        code: 'QuotaExceeded.SecretInNamespace',
        status: 400,
        requestId: 'R3'
      })
      sae.createSecret = async () => {
        sae.calls.push('CreateSecret')
        throw refusal
      }
      await expect(provisionSecret(sae, plan('fail'), OPTIONS)).rejects.toBe(refusal)
      expect(sae.calls).toEqual(['CreateSecret'])
    })

    test('an error that is not an ApiError is never read as a conflict, whatever its code', async () => {
      const sae = new FakeSae()
      const bug = Object.assign(new Error('unexpected'), { code: 'SecretNameConflict.AlreadyExist' })
      sae.createSecret = async () => {
        sae.calls.push('CreateSecret')
        throw bug
      }
      await expect(provisionSecret(sae, plan('fail'), OPTIONS)).rejects.toBe(bug)
      expect(sae.calls).toEqual(['CreateSecret'])
    })
  })

  describe('state: absent', () => {
    test('deletes the Secret in two calls', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', 'b2xk')
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).resolves.toEqual({
        secretId: id,
        result: 'deleted',
        relatedApps: []
      })
      expect(sae.calls).toEqual(['ListSecrets', 'DeleteSecret'])
      expect(sae.secrets.size).toBe(0)
    })

    test('no Secret: absent, in one call', async () => {
      const sae = new FakeSae()
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).resolves.toEqual({
        result: 'absent',
        relatedApps: []
      })
      expect(sae.calls).toEqual(['ListSecrets'])
    })

    test('a same-named Secret of another type is an error and is never deleted', async () => {
      const sae = new FakeSae()
      sae.seed('registry-auth', 'b2xk', 'Opaque')
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).rejects.toBeInstanceOf(
        SecretTypeMismatchError
      )
      expect(sae.calls).toEqual(['ListSecrets'])
      expect(sae.secrets.size).toBe(1)
    })

    test('a Secret that applications use is not deleted with if-in-use fail; the error names them', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', 'b2xk', 'kubernetes.io/dockerconfigjson', [{ appId: 'a-1', appName: 'web' }])
      const failure = provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)
      await expect(failure).rejects.toBeInstanceOf(SecretInUseError)
      await expect(failure).rejects.toThrow(
        `Secret 'registry-auth' (SecretId ${id}) in namespace ${NS} is used by 1 application: web (a-1)`
      )
      expect(sae.calls).toEqual(['ListSecrets'])
      expect(sae.secrets.size).toBe(1)
    })

    test('if-in-use delete deletes a Secret in use, and says who used it', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', 'b2xk', 'kubernetes.io/dockerconfigjson', [{ appId: 'a-1', appName: 'web' }])
      await expect(
        provisionSecret(sae, { ...plan('skip'), state: 'absent', ifInUse: 'delete' }, OPTIONS)
      ).resolves.toEqual({
        secretId: id,
        result: 'deleted',
        relatedApps: [{ appId: 'a-1', appName: 'web' }]
      })
      expect(sae.calls).toEqual(['ListSecrets', 'DeleteSecret'])
    })

    test('if-in-use delete deletes a Secret no application uses, too', async () => {
      const sae = new FakeSae()
      const id = sae.seed('registry-auth', 'b2xk')
      await expect(
        provisionSecret(sae, { ...plan('skip'), state: 'absent', ifInUse: 'delete' }, OPTIONS)
      ).resolves.toEqual({ secretId: id, result: 'deleted', relatedApps: [] })
    })
  })

  describe("only the Secret of that name: the other Secrets of the namespace are never read, written or deleted, whatever the listing's order", () => {
    type Position = 'first' | 'in the middle' | 'last'
    const POSITIONS: Position[] = ['first', 'in the middle', 'last']
    const STAGING = plan('skip', 'staging').encodedConfig

    /** Lists the Secret called `name` at `position` among the others. */
    const placing = (name: string, position: Position) => (listed: SecretSummary[]) => {
      const target = listed.filter((secret) => secret.secretName === name)
      const others = listed.filter((secret) => secret.secretName !== name)
      const at = { first: 0, 'in the middle': 1, last: others.length }[position]
      return [...others.slice(0, at), ...target, ...others.slice(at)]
    }

    /** A namespace holding two other Secrets (one whose name starts with ours, one of another type), listing ours at `position`. */
    const crowded = (position: Position) => {
      const sae = new FakeSae()
      sae.seed('registry-auth-staging', STAGING, 'kubernetes.io/dockerconfigjson', [
        { appId: 'a-2', appName: 'staging-web' }
      ])
      sae.seed('tls-cert', 'dGxz', 'Opaque')
      sae.order = placing('registry-auth', position)
      return sae
    }
    const OTHERS: [string, string][] = [
      ['registry-auth-staging', STAGING],
      ['tls-cert', 'dGxz']
    ]
    const othersIn = (sae: FakeSae) => sae.stored().filter(([name]) => name !== 'registry-auth')

    test.each(POSITIONS)('absent deletes only the Secret of that name (listed %s)', async (position) => {
      const sae = crowded(position)
      const id = sae.seed('registry-auth', 'b2xk')
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).resolves.toEqual({
        secretId: id,
        result: 'deleted',
        relatedApps: []
      })
      expect(sae.calls).toEqual(['ListSecrets', 'DeleteSecret'])
      expect(sae.stored()).toEqual(OTHERS)
    })

    test('absent, when only Secrets of other names exist, deletes nothing', async () => {
      const sae = crowded('last')
      await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).resolves.toEqual({
        result: 'absent',
        relatedApps: []
      })
      expect(sae.calls).toEqual(['ListSecrets'])
      expect(sae.stored()).toEqual(OTHERS)
    })

    test.each(POSITIONS)(
      'absent: a lost DeleteSecret is looked after by name: still there, it is sent again (listed %s)',
      async (position) => {
        const sae = crowded(position)
        const id = sae.seed('registry-auth', 'b2xk')
        sae.dropped.DeleteSecret = 1
        await expect(provisionSecret(sae, { ...plan('skip'), state: 'absent' }, OPTIONS)).resolves.toEqual({
          secretId: id,
          result: 'deleted',
          relatedApps: []
        })
        expect(sae.calls).toEqual(['ListSecrets', 'DeleteSecret', 'ListSecrets', 'DeleteSecret'])
        expect(sae.stored()).toEqual(OTHERS)
      }
    )

    test.each(POSITIONS)('update overwrites only the Secret of that name (listed %s)', async (position) => {
      const sae = crowded(position)
      const id = sae.seed('registry-auth', plan('update', 'old').encodedConfig)
      await expect(provisionSecret(sae, plan('update'), OPTIONS)).resolves.toEqual({
        secretId: id,
        result: 'updated',
        relatedApps: []
      })
      expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret', 'UpdateSecret'])
      expect(othersIn(sae)).toEqual(OTHERS)
      expect(sae.secrets.get(id)!.data['.dockerconfigjson']).toBe(plan('update').encodedConfig)
    })

    test.each(POSITIONS)('skip compares only the Secret of that name (listed %s)', async (position) => {
      const sae = crowded(position)
      const id = sae.seed('registry-auth', plan('skip').encodedConfig)
      await expect(provisionSecret(sae, plan('skip'), OPTIONS)).resolves.toEqual({
        secretId: id,
        result: 'skipped',
        relatedApps: [],
        drifted: false
      })
      expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret'])
    })

    test.each<IfExists>(['skip', 'update'])(
      'if-exists %s, when only Secrets of other names exist, creates its own beside them',
      async (ifExists) => {
        const sae = crowded('last')
        await expect(provisionSecret(sae, plan(ifExists), OPTIONS)).resolves.toEqual({
          secretId: 18,
          result: 'created',
          relatedApps: []
        })
        expect(sae.calls).toEqual(['ListSecrets', 'CreateSecret'])
        expect(sae.stored()).toEqual([...OTHERS, ['registry-auth', plan(ifExists).encodedConfig]])
      }
    )

    test.each(POSITIONS)(
      'if-exists fail names the Secret of that name as the one in the way (listed %s)',
      async (position) => {
        const sae = crowded(position)
        const id = sae.seed('registry-auth', 'b2xk')
        const failure = provisionSecret(sae, plan('fail'), OPTIONS)
        await expect(failure).rejects.toBeInstanceOf(SecretExistsError)
        await expect(failure).rejects.toThrow(`(SecretId ${id})`)
        expect(sae.stored()).toEqual([...OTHERS, ['registry-auth', 'b2xk']])
      }
    )

    test.each(POSITIONS)(
      'a race (AlreadyExist) is resolved with the winner, found by name (listed %s)',
      async (position) => {
        const sae = crowded(position)
        let winner: number | undefined
        sae.beforeCreate = (name) => {
          winner ??= sae.seed(name, plan('skip', 'other').encodedConfig)
        }
        await expect(provisionSecret(sae, plan('skip'), OPTIONS)).resolves.toEqual({
          secretId: 18,
          result: 'skipped',
          relatedApps: [],
          drifted: true
        })
        expect(winner).toBe(18)
        expect(sae.calls).toEqual(['ListSecrets', 'CreateSecret', 'ListSecrets', 'DescribeSecret'])
        expect(othersIn(sae)).toEqual(OTHERS)
      }
    )

    test.each(POSITIONS)(
      'a lost CreateSecret answer: the look finds our new Secret by name, created (listed %s)',
      async (position) => {
        const sae = crowded(position)
        sae.lost.CreateSecret = 1
        await expect(provisionSecret(sae, plan('fail'), OPTIONS)).resolves.toEqual({
          secretId: 18,
          result: 'created',
          relatedApps: []
        })
        expect(sae.calls).toEqual(['CreateSecret', 'ListSecrets', 'DescribeSecret'])
        expect(sae.stored()).toEqual([...OTHERS, ['registry-auth', plan('fail').encodedConfig]])
      }
    )
  })

  describe('beforeWrite: the registry login gates every write', () => {
    const refused = () => Promise.reject(new Error('login refused'))

    test('a refusal stops a create before it is sent', async () => {
      const sae = new FakeSae()
      await expect(provisionSecret(sae, plan('skip'), { attempts: 4, beforeWrite: refused })).rejects.toThrow(
        'login refused'
      )
      expect(sae.calls).toEqual(['ListSecrets'])
    })

    test('a refusal stops an update; an unchanged Secret needs no write and no verdict', async () => {
      const sae = new FakeSae()
      sae.seed('registry-auth', plan('update', 'old').encodedConfig)
      await expect(provisionSecret(sae, plan('update'), { attempts: 4, beforeWrite: refused })).rejects.toThrow(
        'login refused'
      )
      expect(sae.calls).toEqual(['ListSecrets', 'DescribeSecret'])
      const same = new FakeSae()
      same.seed('registry-auth', plan('update').encodedConfig)
      await expect(provisionSecret(same, plan('update'), { attempts: 4, beforeWrite: refused })).resolves.toMatchObject(
        { result: 'unchanged', relatedApps: [] }
      )
    })
  })

  test('API errors other than AlreadyExist pass through', async () => {
    const sae = new FakeSae()
    sae.listSecrets = async () => {
      throw new ApiError({ action: 'ListSecrets', code: 'InvalidNamespaceId.NotFound', status: 404, requestId: 'R9' })
    }
    await expect(provisionSecret(sae, plan('skip'), OPTIONS)).rejects.toThrow(
      'InvalidNamespaceId.NotFound (HTTP 404, RequestId R9)'
    )
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
    expect(outcomes.map((o) => `${o.namespaceId}:${o.outcome.ok}`)).toEqual([
      'a:true',
      'b:true',
      'c:false',
      'd:true',
      'e:true'
    ])
  })
})

describe('provisionAll', () => {
  test('provisions the Secret of every namespace planned, each with its own client and options, and hears of each', async () => {
    const plans = ['cn-hangzhou:dev', 'cn-hangzhou:prod', 'cn-beijing:prod'].map((namespaceId) => ({
      ...plan('fail'),
      namespaceId
    }))
    const clients = new Map(plans.map((each) => [each.namespaceId, new FakeSae()]))
    const heard: string[] = []
    const outcomes = await provisionAll(
      plans,
      (each) => clients.get(each.namespaceId)!,
      () => OPTIONS,
      (each, provisioned) => heard.push(`${each.namespaceId}:${provisioned.result}`)
    )
    expect(outcomes.map((o) => `${o.namespaceId}:${o.outcome.ok}`)).toEqual([
      'cn-hangzhou:dev:true',
      'cn-hangzhou:prod:true',
      'cn-beijing:prod:true'
    ])
    expect(heard.sort()).toEqual(['cn-beijing:prod:created', 'cn-hangzhou:dev:created', 'cn-hangzhou:prod:created'])
    for (const sae of clients.values()) expect(sae.calls).toEqual(['CreateSecret'])
  })
})
