import { describe, expect, test } from '@jest/globals'
import { failureCode } from '../../../src/report/results.js'
import { describeApps, SecretExistsError, SecretInUseError, SecretTypeMismatchError } from '../../../src/sae/errors.js'

describe('what the policy refuses, named by its code', () => {
  test('an existing Secret under if-exists: fail', () => {
    const error = new SecretExistsError('registry-auth', 'cn-hangzhou:dev', 3)
    expect(failureCode(error)).toBe('SecretNameConflict.AlreadyExist')
    expect(error.message).toBe(
      "Secret 'registry-auth' already exists in namespace cn-hangzhou:dev (SecretId 3) and if-exists is 'fail'; " +
        'set if-exists to skip or update, or choose another secret-name'
    )
  })

  test('a Secret of another type is neither used nor deleted', () => {
    expect(new SecretTypeMismatchError('registry-auth', 'cn-hangzhou:dev', 7, 'Opaque').message).toBe(
      "Secret 'registry-auth' (SecretId 7) in namespace cn-hangzhou:dev has type Opaque, not " +
        'kubernetes.io/dockerconfigjson; this action neither uses nor deletes it: choose another secret-name'
    )
  })

  test('a Secret in use names its applications', () => {
    const error = new SecretInUseError('registry-auth', 'cn-hangzhou:dev', 7, [{ appId: 'a-1', appName: 'shop-web' }])
    expect(failureCode(error)).toBe('SecretInUse')
    expect(error.message).toContain('is used by 1 application: shop-web (a-1): ')
  })
})

describe('describeApps', () => {
  test('up to ten applications by name and id, then how many more', () => {
    const apps = Array.from({ length: 12 }, (_, i) => ({ appId: `id-${i + 1}`, appName: `app-${i + 1}` }))
    expect(describeApps(apps.slice(0, 2))).toBe('2 applications: app-1 (id-1), app-2 (id-2)')
    expect(describeApps(apps)).toBe(
      '12 applications: ' +
        apps
          .slice(0, 10)
          .map((app) => `${app.appName} (${app.appId})`)
          .join(', ') +
        ' and 2 more'
    )
  })
})
