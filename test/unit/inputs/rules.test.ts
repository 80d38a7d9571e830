import { describe, expect, test } from '@jest/globals'
import { outsidePortRange, portOf, splitList } from '../../../src/inputs/rules.js'

describe('portOf and outsidePortRange', () => {
  test.each([
    ['registry.example.com:5000', '5000'],
    ['[::1]:9000', '9000'],
    ['registry.example.com', undefined],
    ['[::1]', undefined],
    // An address with colons of its own has no port unless it is bracketed.
    ['fe80::1', undefined],
    ['::1', undefined],
    // The port is the whole rest: digits, then the end.
    ['registry.example.com:5000x', undefined],
    ['registry.example.com:', undefined]
  ])('the port of %j is %j', (hostPort, port) => {
    expect(portOf(hostPort)).toBe(port)
  })

  test.each([
    ['1', false],
    ['65535', false],
    ['0', true],
    ['65536', true],
    [undefined, false]
  ])('port %j is outside 1 to 65535: %j', (port, outside) => {
    expect(outsidePortRange(port)).toBe(outside)
  })
})

test('splitList drops blanks and trims', () => {
  expect(splitList(' a ,\n\nb,, c\r')).toEqual(['a', 'b', 'c'])
})
