// check-plan.ts: which requests prove that a Secret can pull. ACR twins are one registry, an image
// check covers its registry's login, every image finds the entry kubelet would use.
import { describe, expect, test } from '@jest/globals'
import {
  hostsToPreconnect,
  planChecks,
  planSecretChecks,
  planStoredChecks,
  storedRegistries
} from '../../../src/registry/check-plan.js'
import { InputError } from '../../../src/domain/errors.js'
import { parseImageReference } from '../../../src/kubelet/image-ref.js'
import type { NamespacePlan } from '../../../src/secret/plan.js'
import type { RegistryCredential } from '../../../src/domain/model.js'

const VPC = 'registry-vpc.cn-hangzhou.aliyuncs.com'
const PUBLIC = 'registry.cn-hangzhou.aliyuncs.com'
const main = (domains: string[], password = 'pw'): RegistryCredential => ({
  domains,
  username: 'deploy',
  password,
  origin: { kind: 'main' }
})
const extra = (domains: string[], item = 1): RegistryCredential => ({
  domains,
  username: 'bot',
  password: 'other',
  origin: { kind: 'extra', item }
})
const images = (...texts: string[]) => texts.map(parseImageReference)

/**
 * What each check asks, in a line: `login <host> [then <twin>] for <domains>` / `pull <image> at
 * <host> [then <twin>] with <key>` (the twin: asked when the host cannot be reached).
 */
function asked(
  registries: RegistryCredential[],
  imageTexts: string[],
  verifyLogin = true,
  network: 'public' | 'vpc' = 'public'
): string[] {
  const plan = planChecks(registries, images(...imageTexts), verifyLogin, network)
  const then = (check: { fallback?: string }) => (check.fallback ? ` then ${check.fallback}` : '')
  return [
    ...plan.logins.map(
      (check) => `login ${check.host}${then(check)} for ${check.domains.join(' ')} as ${check.credential.username}`
    ),
    ...plan.pulls.map(
      (check) =>
        `pull ${check.image.text} at ${check.host}${then(check)} with ${check.key} as ${check.credential.username}`
    ),
    ...plan.unmatched.map((image) => `unmatched ${image.text}`)
  ]
}

describe('logins (verify-login)', () => {
  test('the default ACR pair: one login, at the public domain (then the VPC one), standing for both', () => {
    expect(asked([main([VPC, PUBLIC])], [])).toEqual([`login ${PUBLIC} then ${VPC} for ${VPC} ${PUBLIC} as deploy`])
  })

  test('network: vpc logs in to the pair at the VPC domain first, then the public one', () => {
    expect(asked([main([VPC, PUBLIC])], [], true, 'vpc')).toEqual([
      `login ${VPC} then ${PUBLIC} for ${VPC} ${PUBLIC} as deploy`
    ])
  })

  test('Enterprise Edition twins too', () => {
    expect(
      asked([main(['acme-registry-vpc.cn-shanghai.cr.aliyuncs.com', 'acme-registry.cn-shanghai.cr.aliyuncs.com'])], [])
    ).toEqual([
      'login acme-registry.cn-shanghai.cr.aliyuncs.com then acme-registry-vpc.cn-shanghai.cr.aliyuncs.com for acme-registry-vpc.cn-shanghai.cr.aliyuncs.com acme-registry.cn-shanghai.cr.aliyuncs.com as deploy'
    ])
  })

  test('a VPC domain without its public twin is tried as it is first, in either network; then its twin', () => {
    expect(asked([main([VPC])], [])).toEqual([`login ${VPC} then ${PUBLIC} for ${VPC} as deploy`])
    expect(asked([main([VPC])], [], true, 'vpc')).toEqual([`login ${VPC} then ${PUBLIC} for ${VPC} as deploy`])
  })

  test('twins of two regions are two registries', () => {
    expect(asked([main([VPC, 'registry.cn-beijing.aliyuncs.com'])], [])).toEqual([
      `login ${VPC} then ${PUBLIC} for ${VPC} as deploy`,
      'login registry.cn-beijing.aliyuncs.com then registry-vpc.cn-beijing.aliyuncs.com for registry.cn-beijing.aliyuncs.com as deploy'
    ])
  })

  test('Docker Hub’s key is logged in to at registry-1.docker.io', () => {
    expect(asked([extra(['https://index.docker.io/v1/'])], [])).toEqual([
      'login registry-1.docker.io for https://index.docker.io/v1/ as bot'
    ])
  })

  test('verify-login: false asks no login', () => {
    expect(asked([main([VPC, PUBLIC])], [], false)).toEqual([])
  })
})

describe('images', () => {
  test('an image on the VPC domain is checked at its public twin (then the VPC domain), and covers the login', () => {
    expect(asked([main([VPC, PUBLIC])], [`${VPC}/shop/web:1.4.2`])).toEqual([
      `pull ${VPC}/shop/web:1.4.2 at ${PUBLIC} then ${VPC} with ${VPC} as deploy`
    ])
  })

  test('network: vpc checks an ACR image at the VPC domain first, whichever twin it is written with', () => {
    expect(asked([main([VPC, PUBLIC])], [`${VPC}/shop/web:1.4.2`, `${PUBLIC}/shop/api:2`], true, 'vpc')).toEqual([
      `pull ${VPC}/shop/web:1.4.2 at ${VPC} then ${PUBLIC} with ${VPC} as deploy`,
      `pull ${PUBLIC}/shop/api:2 at ${VPC} then ${PUBLIC} with ${PUBLIC} as deploy`
    ])
  })

  test('the VPC domain alone: the image still goes through the public twin first, and no login is tried at the VPC domain', () => {
    expect(asked([main([VPC])], [`${VPC}/shop/web:1.4.2`])).toEqual([
      `pull ${VPC}/shop/web:1.4.2 at ${PUBLIC} then ${VPC} with ${VPC} as deploy`
    ])
  })

  test('a registry that is no ACR domain has no twin to fall back on, in either network', () => {
    expect(asked([extra(['ghcr.io'])], ['ghcr.io/acme/sidecar:2'], true, 'vpc')).toEqual([
      'pull ghcr.io/acme/sidecar:2 at ghcr.io with ghcr.io as bot'
    ])
  })

  test('images are checked even with verify-login: false', () => {
    expect(asked([main([VPC, PUBLIC])], [`${PUBLIC}/shop/web:1.4.2`], false)).toEqual([
      `pull ${PUBLIC}/shop/web:1.4.2 at ${PUBLIC} then ${VPC} with ${PUBLIC} as deploy`
    ])
  })

  test('each image with the credentials of its own registry; a registry without images keeps its login', () => {
    expect(
      asked(
        [main([VPC, PUBLIC]), extra(['ghcr.io']), extra(['quay.io'], 2)],
        ['ghcr.io/acme/sidecar:2', `${PUBLIC}/shop/web:1`]
      )
    ).toEqual([
      'login quay.io for quay.io as bot',
      'pull ghcr.io/acme/sidecar:2 at ghcr.io with ghcr.io as bot',
      `pull ${PUBLIC}/shop/web:1 at ${PUBLIC} then ${VPC} with ${PUBLIC} as deploy`
    ])
  })

  test('a Docker Hub image written short matches the Docker Hub key and is asked of registry-1.docker.io', () => {
    expect(asked([extra(['https://index.docker.io/v1/'])], ['nginx:1.27'])).toEqual([
      'pull nginx:1.27 at registry-1.docker.io with https://index.docker.io/v1/ as bot'
    ])
  })

  test('an image no entry matches is unmatched (the Secret could not pull it)', () => {
    expect(asked([main([VPC, PUBLIC])], ['ghcr.io/acme/sidecar:2'])).toEqual([
      `login ${PUBLIC} then ${VPC} for ${VPC} ${PUBLIC} as deploy`,
      'unmatched ghcr.io/acme/sidecar:2'
    ])
  })
})

describe('planSecretChecks', () => {
  const plan = (namespaceId: string, domains: string[]): NamespacePlan =>
    ({ namespaceId, state: 'present', registries: [main(domains)] }) as unknown as NamespacePlan

  test('an image that a namespace’s Secret cannot pull is an input error naming the image, the namespace and its keys', () => {
    expect(() =>
      planSecretChecks(
        [plan('cn-hangzhou:prod', [VPC, PUBLIC]), plan('cn-beijing:prod', ['registry.cn-beijing.aliyuncs.com'])],
        { images: images(`${PUBLIC}/shop/web:1`), verifyLogin: true, network: 'public' }
      )
    ).toThrow(
      new InputError(
        'images',
        `has ${PUBLIC}/shop/web:1, which no registry of the Secret for cn-beijing:prod matches (its auths keys: registry.cn-beijing.aliyuncs.com), ` +
          'so the Secret could not pull it; add its registry to registry-domains or extra-registries, or correct the image'
      )
    )
  })

  test('the error lists every auths key of that Secret, comma-separated', () => {
    expect(() =>
      planSecretChecks([plan('cn-hangzhou:prod', [VPC, PUBLIC])], {
        images: images('ghcr.io/acme/sidecar:2'),
        verifyLogin: true,
        network: 'public'
      })
    ).toThrow(
      `has ghcr.io/acme/sidecar:2, which no registry of the Secret for cn-hangzhou:prod matches (its auths keys: ${VPC}, ${PUBLIC}), `
    )
  })

  test('state: absent plans no checks', () => {
    expect(
      planSecretChecks([{ ...plan('cn-hangzhou:prod', [VPC]), state: 'absent' }], {
        images: [],
        verifyLogin: true,
        network: 'public'
      })
    ).toEqual([])
  })
})

describe('storedRegistries', () => {
  test('entries with the same credentials are one registry (so twins log in once); others stay apart', () => {
    const auth = (username: string, password: string) => ({
      username,
      password,
      auth: Buffer.from(`${username}:${password}`).toString('base64')
    })
    const config = {
      auths: { [VPC]: auth('old', 'pw-1'), [PUBLIC]: auth('old', 'pw-1'), 'ghcr.io': auth('bot', 'pw-2') }
    }
    const origin = { kind: 'stored' as const, namespaceId: 'cn-hangzhou:prod', secretId: 16 }
    expect(storedRegistries(config, { namespaceId: 'cn-hangzhou:prod', secretId: 16 })).toEqual([
      { domains: [VPC, PUBLIC], username: 'old', password: 'pw-1', origin },
      { domains: ['ghcr.io'], username: 'bot', password: 'pw-2', origin }
    ])
  })
})

describe('planStoredChecks: a Secret left in place is tried only where this step names the registry', () => {
  const auth = (username: string, password: string) => ({
    username,
    password,
    auth: Buffer.from(`${username}:${password}`).toString('base64')
  })
  const origin = { namespaceId: 'cn-hangzhou:prod', secretId: 16 }
  const config = {
    auths: {
      [VPC]: auth('old', 'pw-1'),
      [PUBLIC]: auth('old', 'pw-1'),
      'ghcr.io': auth('bot', 'pw-2'),
      '169.254.169.254': auth('x', 'pw-3'),
      '127.0.0.1:5000/##[stop-commands]pwn': auth('y', 'pw-4'),
      'https://index.docker.io/v1/': auth('hub', 'pw-5')
    }
  }
  const stored = (keys: string[], imageTexts: string[] = [], verifyLogin = true) => {
    const plan = planStoredChecks(config, origin, { keys, images: images(...imageTexts) }, verifyLogin)
    return [
      ...plan.logins.map(
        (check) => `login ${check.host} for ${check.domains.join(' ')} as ${check.credential.username}`
      ),
      ...plan.pulls.map((check) => `pull ${check.image.text} at ${check.host} with ${check.key}`)
    ]
  }

  test('the computed ACR pair: one login with the stored pair; no other host the stored Secret lists', () => {
    expect(stored([VPC, PUBLIC])).toEqual([`login ${PUBLIC} for ${VPC} ${PUBLIC} as old`])
  })

  test('a stored key with a path is tried at its host when this step names that host', () => {
    expect(stored(['127.0.0.1:5000'])).toEqual(['login 127.0.0.1:5000 for 127.0.0.1:5000/##[stop-commands]pwn as y'])
  })

  test('Docker Hub by any of its names', () => {
    expect(stored(['docker.io'])).toEqual(['login registry-1.docker.io for https://index.docker.io/v1/ as hub'])
  })

  test('an image names its registry: its pull uses the stored entry kubelet picks, and no login is left over', () => {
    expect(stored([], ['ghcr.io/acme/app:1'])).toEqual(['pull ghcr.io/acme/app:1 at ghcr.io with ghcr.io'])
  })

  test('a registry neither computed nor an image: nothing, not even a link-local or metadata host', () => {
    expect(stored(['registry.example.com'])).toEqual([])
  })

  test('verify-login false: images only', () => {
    expect(stored([VPC, PUBLIC], [], false)).toEqual([])
  })
})

describe('an image check covers a login only with the same username and password', () => {
  // A stored Secret may hold an ACR twin pair under two credentials: storedRegistries makes them two registries.
  const vpc = (username: string, password: string): RegistryCredential => ({
    domains: [VPC],
    username,
    password,
    origin: { kind: 'main' }
  })
  const pub = (username: string, password: string): RegistryCredential => ({
    domains: [PUBLIC],
    username,
    password,
    origin: { kind: 'extra', item: 1 }
  })
  const image = `${VPC}/shop/web:1`

  test('the same username and password: the image checked at the public twin stands for its login', () => {
    expect(asked([vpc('deploy', 'pw'), pub('deploy', 'pw')], [image])).toEqual([
      `pull ${image} at ${PUBLIC} then ${VPC} with ${VPC} as deploy`
    ])
  })

  test('so it does with network: vpc, the image checked at the VPC domain', () => {
    expect(asked([vpc('deploy', 'pw'), pub('deploy', 'pw')], [image], true, 'vpc')).toEqual([
      `pull ${image} at ${VPC} then ${PUBLIC} with ${VPC} as deploy`
    ])
  })

  test('the same username with another password keeps its own login', () => {
    expect(asked([vpc('deploy', 'pw'), pub('deploy', 'other')], [image])).toEqual([
      `login ${PUBLIC} then ${VPC} for ${PUBLIC} as deploy`,
      `pull ${image} at ${PUBLIC} then ${VPC} with ${VPC} as deploy`
    ])
  })

  test('another username with the same password keeps its own login', () => {
    expect(asked([vpc('deploy', 'pw'), pub('bot', 'pw')], [image])).toEqual([
      `login ${PUBLIC} then ${VPC} for ${PUBLIC} as bot`,
      `pull ${image} at ${PUBLIC} then ${VPC} with ${VPC} as deploy`
    ])
  })
})

describe('hostsToPreconnect: where the checks will connect first', () => {
  const plan = (
    registries: RegistryCredential[],
    imageTexts: string[],
    verifyLogin = true,
    network: 'public' | 'vpc' = 'public'
  ) => planChecks(registries, images(...imageTexts), verifyLogin, network)

  test("the default ACR pair: the login's first twin and its token host, never the other twin", () => {
    expect(hostsToPreconnect([plan([main([VPC, PUBLIC])], [])])).toEqual([
      PUBLIC,
      'dockerauth.cn-hangzhou.aliyuncs.com'
    ])
    expect(hostsToPreconnect([plan([main([VPC, PUBLIC])], [], true, 'vpc')])).toEqual([
      VPC,
      'dockerauth-vpc.cn-hangzhou.aliyuncs.com'
    ])
  })

  test('images: each registry once, however many images and namespaces ask it; a token host only where it is published', () => {
    const plans = [
      plan(
        [main([VPC, PUBLIC]), extra(['ghcr.io']), extra(['docker.io'], 2)],
        [`${PUBLIC}/shop/web:1`, `${VPC}/shop/api:2`, 'ghcr.io/acme/x:1', 'nginx']
      ),
      plan([main([VPC, PUBLIC])], [`${PUBLIC}/shop/web:1`])
    ]
    expect(hostsToPreconnect(plans)).toEqual([
      PUBLIC,
      'ghcr.io',
      'registry-1.docker.io',
      'dockerauth.cn-hangzhou.aliyuncs.com',
      'auth.docker.io'
    ])
  })

  test('no checks (verify-login false, no images, state absent): nothing', () => {
    expect(hostsToPreconnect([plan([main([VPC, PUBLIC])], [], false)])).toEqual([])
    expect(hostsToPreconnect([])).toEqual([])
  })

  test('a loopback registry (plain HTTP) is left out; one on a port keeps it', () => {
    expect(hostsToPreconnect([plan([main(['127.0.0.1:5000']), extra(['harbor.example.com:8443'])], [])])).toEqual([
      'harbor.example.com:8443'
    ])
  })
})
