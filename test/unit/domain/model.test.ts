// model.ts: how a message names where registry credentials came from.
import { describe, expect, test } from '@jest/globals'
import { describeOrigin } from '../../../src/domain/model.js'

describe('describeOrigin', () => {
  test('the main registry is named by its inputs', () => {
    expect(describeOrigin({ kind: 'main' })).toBe('the username and password inputs')
  })

  test('an extra registry is named by its item of extra-registries', () => {
    expect(describeOrigin({ kind: 'extra', item: 3 })).toBe('item 3 of extra-registries')
  })

  test('a stored Secret is named by its namespace and SecretId', () => {
    expect(describeOrigin({ kind: 'stored', namespaceId: 'cn-hangzhou:prod', secretId: 16 })).toBe(
      'the Secret stored in cn-hangzhou:prod (SecretId 16)'
    )
  })
})
