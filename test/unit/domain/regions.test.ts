import { describe, expect, test } from '@jest/globals'
import { isSaeRegion, nearestSaeRegion, SAE_REGIONS, unknownRegionWarnings } from '../../../src/domain/regions.js'

describe('SAE regions (docs/sae-api.md)', () => {
  test.each(['cn-hangzhou', 'cn-beijing', 'ap-southeast-1', 'us-west-1', 'eu-central-1'])('%s is served', (region) => {
    expect(isSaeRegion(region)).toBe(true)
  })

  test.each([
    ['cn-hangzou', 'cn-hangzhou'],
    ['cn-bejing', 'cn-beijing'],
    ['cn-shangai', 'cn-shanghai'],
    ['ap-southeast-11', 'ap-southeast-1'],
    ['us-west1', 'us-west-1']
  ])('a typo %s is nearest to %s', (typo, meant) => {
    expect(isSaeRegion(typo)).toBe(false)
    expect(nearestSaeRegion(typo)).toBe(meant)
  })

  test('one warning per unknown region, none for known ones', () => {
    expect(unknownRegionWarnings(['cn-hangzhou', 'cn-hangzou', 'cn-hangzou'])).toEqual([
      "namespace-id names region 'cn-hangzou', which is not a region SAE serves (as of this release); did you mean 'cn-hangzhou'?"
    ])
    expect(unknownRegionWarnings([...SAE_REGIONS])).toEqual([])
  })
})
