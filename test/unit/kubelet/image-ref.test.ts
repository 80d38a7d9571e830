import { readFileSync } from 'node:fs'
import { describe, expect, test } from '@jest/globals'
import { InputError } from '../../../src/domain/errors.js'
import { parseImageReference } from '../../../src/kubelet/image-ref.js'

interface ReferenceCase {
  source: string
  text: string
  registry?: string
  repository?: string
  tag?: string
  digest?: string
  reference?: string
  refused?: string
  note?: string
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/distribution-reference-cases.json', import.meta.url), 'utf8')
) as {
  cases: ReferenceCase[]
  skipped: { source: string; reason: string }[]
}

const refusal = (text: string, problem: string) =>
  `Input 'images' has ${JSON.stringify(text)} which is not an image reference: ${problem}`

function refusalOf(text: string): InputError {
  try {
    parseImageReference(text)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error(`${JSON.stringify(text)} was accepted`)
}

describe("distribution/reference's own cases (test/fixtures/distribution-reference-cases.json)", () => {
  const accepted = fixture.cases.filter((c) => c.refused === undefined)
  const refused = fixture.cases.filter((c) => c.refused !== undefined)

  test('the fixture holds both kinds, and says what it skipped', () => {
    expect(accepted).toHaveLength(155)
    expect(refused).toHaveLength(51)
    expect(fixture.skipped.every((s) => s.reason.length > 0)).toBe(true)
  })

  test.each(accepted.map((c) => [c.source, c.text, c] as const))('%s: %s', (_source, text, c) => {
    const expected = {
      text,
      registry: c.registry,
      repository: c.repository,
      ...(c.tag === undefined ? {} : { tag: c.tag }),
      ...(c.digest === undefined ? {} : { digest: c.digest }),
      reference: c.reference
    }
    expect(parseImageReference(text)).toEqual(expected)
  })

  test.each(refused.map((c) => [c.source, c.text, c.refused!] as const))(
    '%s: %s is refused',
    (_source, text, problem) => {
      const error = refusalOf(text)
      expect(error.input).toBe('images')
      expect(error.message).toBe(refusal(text, problem))
    }
  )
})

describe('the reference as the rest of the run uses it', () => {
  test('text is the reference as written, trimmed', () => {
    expect(parseImageReference('  nginx:1.27\t').text).toBe('nginx:1.27')
  })

  test('a manifest is asked for by digest, else tag, else latest', () => {
    const digest = 'sha256:' + 'ab'.repeat(32)
    expect(parseImageReference('ghcr.io/acme/sidecar').reference).toBe('latest')
    expect(parseImageReference('ghcr.io/acme/sidecar:v2').reference).toBe('v2')
    expect(parseImageReference(`ghcr.io/acme/sidecar@${digest}`).reference).toBe(digest)
    expect(parseImageReference(`ghcr.io/acme/sidecar:v2@${digest}`)).toEqual({
      text: `ghcr.io/acme/sidecar:v2@${digest}`,
      registry: 'ghcr.io',
      repository: 'acme/sidecar',
      tag: 'v2',
      digest,
      reference: digest
    })
  })

  test('the examples of the SPEC', () => {
    expect(parseImageReference('registry-vpc.cn-hangzhou.aliyuncs.com/shop/web:1.4.2')).toEqual({
      text: 'registry-vpc.cn-hangzhou.aliyuncs.com/shop/web:1.4.2',
      registry: 'registry-vpc.cn-hangzhou.aliyuncs.com',
      repository: 'shop/web',
      tag: '1.4.2',
      reference: '1.4.2'
    })
    expect(parseImageReference('nginx:1.27')).toEqual({
      text: 'nginx:1.27',
      registry: 'docker.io',
      repository: 'library/nginx',
      tag: '1.27',
      reference: '1.27'
    })
  })

  test('index.docker.io is Docker Hub; registry-1.docker.io stays a registry of its own, as normalize.go keeps it', () => {
    expect(parseImageReference('index.docker.io/nginx')).toMatchObject({
      registry: 'docker.io',
      repository: 'library/nginx'
    })
    expect(parseImageReference('registry-1.docker.io/nginx')).toMatchObject({
      registry: 'registry-1.docker.io',
      repository: 'nginx'
    })
    expect(parseImageReference('registry-1.docker.io/library/nginx')).toMatchObject({
      registry: 'registry-1.docker.io',
      repository: 'library/nginx'
    })
  })

  test('sha384 and sha512 digests, which kubelet links, are accepted', () => {
    expect(parseImageReference(`app@sha384:${'c'.repeat(96)}`).digest).toBe(`sha384:${'c'.repeat(96)}`)
    expect(parseImageReference(`app@sha512:${'d'.repeat(128)}`).digest).toBe(`sha512:${'d'.repeat(128)}`)
  })

  test('a tag is at most 128 characters', () => {
    expect(parseImageReference(`app:${'t'.repeat(128)}`).tag).toBe('t'.repeat(128))
    expect(refusalOf(`app:${'t'.repeat(129)}`).input).toBe('images')
  })
})

describe('every refusal, as a workflow author reads it', () => {
  const digest64 = 'a'.repeat(64)
  test.each([
    ['', 'it is empty'],
    ['   ', 'it is empty'],
    ['https://ghcr.io/acme/app:1', 'an image reference has no scheme; write "ghcr.io/acme/app:1"'],
    ['oci://ghcr.io/acme/app', 'an image reference has no scheme; write "ghcr.io/acme/app"'],
    ['nginx 1.27', 'it contains white space'],
    [digest64, 'a 64-digit hexadecimal string is an image ID, not a name; write name@sha256:<digest>'],
    [':1.27', 'the name before the tag or digest is empty'],
    [`@sha256:${digest64}`, 'the name before the tag or digest is empty'],
    ['[::1]:5000', 'a registry alone is not an image; add the repository path (host/path:tag)'],
    ['Shop/Web:1', 'repository names are lower-case'],
    ['ghcr.io/Acme/app', 'repository names are lower-case'],
    ['ghcr.io:https/acme/app', 'the registry "ghcr.io:https" is not a host name or IP address with an optional :port'],
    [
      'my_registry.example.com/app',
      'the registry "my_registry.example.com" is not a host name or IP address with an optional :port'
    ],
    ['ghcr.io//app', 'the repository path has an empty component (a doubled, leading or trailing "/")'],
    ['ghcr.io/acme/', 'the repository path has an empty component (a doubled, leading or trailing "/")'],
    [
      'ghcr.io/acme/-app',
      '"-app" is not a valid path component: lower-case letters and digits, separated by ".", "_", "__" or "-"'
    ],
    [
      'ghcr.io/acme/a___b',
      '"a___b" is not a valid path component: lower-case letters and digits, separated by ".", "_", "__" or "-"'
    ],
    [`ghcr.io/${'a'.repeat(256)}`, 'the repository path has 256 characters; at most 255 are allowed'],
    ['nginx:', 'the tag after ":" is empty'],
    [
      'nginx:.1',
      'the tag ".1" is not valid: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"'
    ],
    [
      'nginx:1.27+b',
      'the tag "1.27+b" is not valid: up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"'
    ],
    ['nginx@', '"" after "@" is not a digest: write algorithm:hex, e.g. sha256: and 64 hex digits'],
    ['nginx@sha256:abc', '"sha256:abc" after "@" is not a digest: write algorithm:hex, e.g. sha256: and 64 hex digits'],
    [
      `nginx@${digest64}`,
      `"${digest64}" after "@" is not a digest: write algorithm:hex, e.g. sha256: and 64 hex digits`
    ],
    [`nginx@md5:${'a'.repeat(32)}`, 'the digest algorithm "md5" is not supported; use sha256, sha384 or sha512'],
    [
      `nginx@constructor:${digest64}`,
      'the digest algorithm "constructor" is not supported; use sha256, sha384 or sha512'
    ],
    [`nginx@sha256:${'a'.repeat(63)}`, 'a sha256 digest has 64 hex digits, this one has 63'],
    [`nginx@sha512:${digest64}`, 'a sha512 digest has 128 hex digits, this one has 64'],
    [`nginx@sha256:${'A'.repeat(64)}`, 'the hex digits of a digest are lower-case']
  ])('%j: %s', (text, problem) => {
    const error = refusalOf(text)
    expect(error).toBeInstanceOf(InputError)
    expect(error.input).toBe('images')
    expect(error.message).toBe(refusal(text.trim(), problem))
  })
})

describe("the digest grammar (reference.go's digest: algorithm components, then at least 32 hex digits)", () => {
  const hex = 'a'.repeat(64)

  test('an algorithm starts with a letter: a leading digit makes it no digest at all', () => {
    expect(refusalOf(`nginx@2sha256:${hex}`).message).toBe(
      refusal(
        `nginx@2sha256:${hex}`,
        `"2sha256:${hex}" after "@" is not a digest: write algorithm:hex, e.g. sha256: and 64 hex digits`
      )
    )
  })

  test('the hex digits run to the end: anything after them makes it no digest at all', () => {
    expect(refusalOf(`nginx@sha256:${hex}z`).message).toBe(
      refusal(
        `nginx@sha256:${hex}z`,
        `"sha256:${hex}z" after "@" is not a digest: write algorithm:hex, e.g. sha256: and 64 hex digits`
      )
    )
  })

  test('an algorithm of several components ("+", "." … each then a letter and more) is a digest, of an algorithm kubelet cannot verify', () => {
    expect(refusalOf(`nginx@sha256+b64:${hex}`).message).toBe(
      refusal(
        `nginx@sha256+b64:${hex}`,
        'the digest algorithm "sha256+b64" is not supported; use sha256, sha384 or sha512'
      )
    )
  })
})

describe('an image ID is exactly 64 hex digits', () => {
  test('64 hex digits with a tag is a name on Docker Hub, as ParseNormalizedNamed reads it', () => {
    const id = 'a'.repeat(64)
    expect(parseImageReference(`${id}:1`)).toEqual({
      text: `${id}:1`,
      registry: 'docker.io',
      repository: `library/${id}`,
      tag: '1',
      reference: '1'
    })
  })
})

describe('a tag or digest not written is absent, not undefined', () => {
  test('no tag and no digest: neither field is there (reference falls back to latest)', () => {
    expect(Object.keys(parseImageReference('ghcr.io/acme/sidecar'))).toEqual([
      'text',
      'registry',
      'repository',
      'reference'
    ])
  })

  test('a tag alone has no digest field; a digest alone no tag field', () => {
    expect(Object.keys(parseImageReference('ghcr.io/acme/sidecar:v2'))).toEqual([
      'text',
      'registry',
      'repository',
      'tag',
      'reference'
    ])
    expect(Object.keys(parseImageReference(`ghcr.io/acme/sidecar@sha256:${'b'.repeat(64)}`))).toEqual([
      'text',
      'registry',
      'repository',
      'digest',
      'reference'
    ])
  })
})
