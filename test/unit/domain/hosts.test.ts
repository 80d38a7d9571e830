import { describe, expect, test } from '@jest/globals'
import {
  acrTwin,
  authKeyFor,
  DOCKER_HUB_KEY,
  hostnameOf,
  isLinkLocalOrMetadataHost,
  isLoopbackHost,
  registryIdentity,
  registryApiHost,
  tokenServiceHost
} from '../../../src/domain/hosts.js'

describe('authKeyFor', () => {
  test.each(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'])(
    "Docker Hub host %s has Docker Hub's key",
    (host) => {
      expect(authKeyFor(host)).toBe('https://index.docker.io/v1/')
    }
  )

  test('any other host is its own key', () => {
    expect(authKeyFor('ghcr.io')).toBe('ghcr.io')
  })
})

describe('ACR twins', () => {
  test.each([
    [
      'registry-vpc.cn-hangzhou.aliyuncs.com',
      { vpc: 'registry-vpc.cn-hangzhou.aliyuncs.com', public: 'registry.cn-hangzhou.aliyuncs.com' }
    ],
    [
      'registry.ap-southeast-1.aliyuncs.com',
      { vpc: 'registry-vpc.ap-southeast-1.aliyuncs.com', public: 'registry.ap-southeast-1.aliyuncs.com' }
    ],
    [
      'acme-registry-vpc.cn-shanghai.cr.aliyuncs.com',
      { vpc: 'acme-registry-vpc.cn-shanghai.cr.aliyuncs.com', public: 'acme-registry.cn-shanghai.cr.aliyuncs.com' }
    ],
    [
      'my-team-registry.cn-beijing.cr.aliyuncs.com',
      { vpc: 'my-team-registry-vpc.cn-beijing.cr.aliyuncs.com', public: 'my-team-registry.cn-beijing.cr.aliyuncs.com' }
    ],
    ['ghcr.io', undefined],
    ['registry-vpc.cn-hangzhou.aliyuncs.com.evil.example', undefined],
    ['registry.cn-hangzhou.aliyuncs.com:5000', undefined],
    // Only the whole host: no twin for a name that merely contains or begins with an ACR domain.
    ['myregistry.cn-hangzhou.aliyuncs.com', undefined],
    ['acme-registry.cn-hangzhou.aliyuncs.com', undefined],
    ['evil.acme-registry-vpc.cn-shanghai.cr.aliyuncs.com', undefined],
    ['acme-registry.cn-shanghai.cr.aliyuncs.com.evil.example', undefined]
  ])('%s', (host, twin) => {
    expect(acrTwin(host)).toEqual(twin)
  })

  test('both twins of an ACR pair are one registry, named by the public domain; any other host is itself', () => {
    expect(registryIdentity('registry-vpc.cn-hangzhou.aliyuncs.com')).toBe('registry.cn-hangzhou.aliyuncs.com')
    expect(registryIdentity('registry.cn-hangzhou.aliyuncs.com')).toBe('registry.cn-hangzhou.aliyuncs.com')
    expect(registryIdentity('harbor.example.com:8443')).toBe('harbor.example.com:8443')
  })
})

describe('registryApiHost', () => {
  test('a scheme is read only at the start of a key: later, it is part of the host (up to the first /)', () => {
    expect(registryApiHost('registry.example.comhttps://evil.example/x')).toBe('registry.example.comhttps:')
  })

  test.each([
    [DOCKER_HUB_KEY, 'registry-1.docker.io'],
    ['docker.io', 'registry-1.docker.io'],
    ['https://ghcr.io', 'ghcr.io'],
    ['http://harbor.example.com:8443/v2/', 'harbor.example.com:8443'],
    ['quay.io/coreos', 'quay.io'],
    ['index.docker.io', 'registry-1.docker.io'],
    ['registry.hub.docker.com', 'registry-1.docker.io'],
    ['*.example.com', undefined],
    // No host at all: nothing to ask.
    ['', undefined],
    ['https://', undefined],
    ['/v2/', undefined],
    // The path starts at the first `/`, whatever follows it, a line break included.
    ['127.0.0.1:5000/\n::stop-commands::x', '127.0.0.1:5000'],
    ['127.0.0.1:5000/##[stop-commands]pwn', '127.0.0.1:5000']
  ])('%s → %s', (key, host) => {
    expect(registryApiHost(key)).toBe(host)
  })
})

describe('hostnameOf', () => {
  test.each([
    ['registry.example.com:5000', 'registry.example.com'],
    ['registry.example.com', 'registry.example.com'],
    ['127.0.0.1:8080', '127.0.0.1'],
    ['[::1]:5000', '[::1]'],
    ['[::1]', '[::1]'],
    ['[fe80::1]:443', '[fe80::1]']
  ])('%s → %s', (host, expected) => {
    expect(hostnameOf(host)).toBe(expected)
  })
})

describe('isLoopbackHost', () => {
  test.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '127.10.200.254', '[::1]', '::1'])(
    '%s is loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true)
    }
  )

  test.each([
    'localhost.example.com',
    '128.0.0.1',
    '10.0.0.1',
    'registry.cn-hangzhou.aliyuncs.com',
    '127.0.0.1.nip.io',
    'mylocalhost',
    'x127.0.0.1'
  ])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false)
  })
})

describe("isLinkLocalOrMetadataHost (a URL's host name)", () => {
  test.each([
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['100.100.100.200', true],
    ['[fe80::1]', true],
    ['[febf::1]', true],
    ['[FE80::1]', true],
    ['[::ffff:a9fe:a9fe]', true],
    ['[::ffff:6464:64c8]', true],
    ['169.255.0.1', false],
    ['169.25.4.1', false],
    ['100.100.100.201', false],
    ['[fec0::1]', false],
    ['[fe8::1]', false],
    ['[2001:db8::fe80:1]', false],
    ['[::1]', false],
    ['127.0.0.1', false],
    ['registry.example.com', false],
    ['169.254.169.254.nip.example', false],
    ['1169.254.1.1', false],
    // Written out rather than parsed, a mapped address in dotted form is one too.
    ['[::ffff:169.254.10.100]', true],
    ['[::ffff:100.100.100.200]', true],
    // Addresses that merely contain a mapped one's digits are not.
    ['[1::ffff:a9fe:101]', false],
    ['[::ffff:a9fe:101:1]', false],
    ['[::ffff:169.254.1.1:1]', false],
    // Only the brackets around the whole name are taken off, never one inside it.
    ['169.254.1.1[1]', false],
    ['[169.254.1.1]1', false]
  ])('%s → %s', (host, expected) => {
    expect(isLinkLocalOrMetadataHost(host)).toBe(expected)
  })

  test('as the URL parser gives them: decimal, hex and mapped forms are normalised first', () => {
    for (const url of [
      'http://2852039166/',
      'http://0xa9fea9fe/',
      'http://[::ffff:169.254.169.254]/',
      'http://0x646464c8/'
    ])
      expect([url, isLinkLocalOrMetadataHost(new URL(url).hostname)]).toEqual([url, true])
  })
})

describe('tokenServiceHost: the realm a challenge will name, where that is published (docs/sae-api.md)', () => {
  test.each([
    ['registry.cn-hangzhou.aliyuncs.com', 'dockerauth.cn-hangzhou.aliyuncs.com'],
    ['registry-vpc.cn-hangzhou.aliyuncs.com', 'dockerauth-vpc.cn-hangzhou.aliyuncs.com'],
    ['registry.ap-southeast-1.aliyuncs.com', 'dockerauth.ap-southeast-1.aliyuncs.com'],
    ['registry-1.docker.io', 'auth.docker.io'],
    // Enterprise Edition: its realm is not published per instance; only the challenge says.
    ['acme-registry.cn-hangzhou.cr.aliyuncs.com', undefined],
    ['acme-registry-vpc.cn-hangzhou.cr.aliyuncs.com', undefined],
    // Docker Hub is asked at its API host only (registryApiHost); any other registry: only its challenge says.
    ['docker.io', undefined],
    ['ghcr.io', undefined],
    ['registry.cn-hangzhou.aliyuncs.com:5000', undefined],
    ['registry.cn-hangzhou.aliyuncs.com.evil.example', undefined],
    ['myregistry.cn-hangzhou.aliyuncs.com', undefined]
  ])('%s → %s', (host, realm) => {
    expect(tokenServiceHost(host)).toBe(realm)
  })
})
