import { readFileSync } from 'node:fs'
import { describe, expect, test } from '@jest/globals'
import { parseImageReference } from '../../../src/kubelet/image-ref.js'
import { matchingAuthKeys, matchingAuthKeysForName } from '../../../src/kubelet/keyring.js'

interface KubeletCase {
  source: string
  keys: string[]
  lookup: string
  expected: string[]
  image: string
  imageLooksUp?: string
  imageExpected?: string[]
  imageRefused?: string
  note?: string
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/kubelet-keyring-cases.json', import.meta.url), 'utf8')
) as {
  cases: KubeletCase[]
  skipped: { source: string; reason: string }[]
}

const keysFor = (image: string, keys: string[]) => matchingAuthKeys(parseImageReference(image), keys)

describe("kubelet's own keyring cases (test/fixtures/kubelet-keyring-cases.json)", () => {
  test('the fixture holds every carried-over case, and says what it skipped', () => {
    expect(fixture.cases).toHaveLength(64)
    expect(new Set(fixture.cases.map((c) => c.source)).size).toBe(64)
    expect(fixture.skipped.every((s) => s.reason.length > 0)).toBe(true)
  })

  test.each(fixture.cases.map((c) => [c.source, c] as const))('%s', (_source, c) => {
    // The name exactly as the Go test looks it up, and kubelet's answer for it.
    expect(matchingAuthKeysForName(c.lookup, c.keys)).toEqual(c.expected)
    if (c.imageRefused !== undefined) {
      expect(() => parseImageReference(c.image)).toThrow(`which is not an image reference: ${c.imageRefused}`)
      return
    }
    // The image a workflow would write, which kubelet looks up under imageLooksUp.
    const image = parseImageReference(c.image)
    expect(`${image.registry}/${image.repository}`).toBe(c.imageLooksUp)
    expect(matchingAuthKeys(image, c.keys)).toEqual(c.imageExpected ?? c.expected)
  })
})

describe('credentials for the images this action is written for', () => {
  const acrKeys = ['registry.cn-hangzhou.aliyuncs.com', 'registry-vpc.cn-hangzhou.aliyuncs.com']

  test('an ACR VPC image matches only its own key, not its public twin', () => {
    expect(keysFor('registry-vpc.cn-hangzhou.aliyuncs.com/shop/web:1.4.2', acrKeys)).toEqual([
      'registry-vpc.cn-hangzhou.aliyuncs.com'
    ])
    expect(keysFor('registry.cn-hangzhou.aliyuncs.com/shop/web:1.4.2', acrKeys)).toEqual([
      'registry.cn-hangzhou.aliyuncs.com'
    ])
  })

  test('an ACR Enterprise VPC image matches only its own key', () => {
    const keys = ['acme-registry.cn-hangzhou.cr.aliyuncs.com', 'acme-registry-vpc.cn-hangzhou.cr.aliyuncs.com']
    expect(keysFor('acme-registry-vpc.cn-hangzhou.cr.aliyuncs.com/shop/web', keys)).toEqual([
      'acme-registry-vpc.cn-hangzhou.cr.aliyuncs.com'
    ])
  })

  test('a Docker Hub image matches https://index.docker.io/v1/, index.docker.io and docker.io', () => {
    expect(keysFor('nginx:1.27', ['https://index.docker.io/v1/', 'ghcr.io'])).toEqual(['https://index.docker.io/v1/'])
    expect(keysFor('nginx:1.27', ['index.docker.io'])).toEqual(['index.docker.io'])
    expect(keysFor('nginx:1.27', ['docker.io'])).toEqual(['docker.io'])
    expect(keysFor('acme/api', ['https://index.docker.io/v2/'])).toEqual(['https://index.docker.io/v2/'])
  })

  test('a docker.io key comes by the URL rule, so the index.docker.io key, only a fallback, is not tried then', () => {
    expect(keysFor('nginx', ['https://index.docker.io/v1/', 'docker.io'])).toEqual(['docker.io'])
  })

  test('a Docker Hub image matches no other registry key', () => {
    expect(keysFor('nginx:1.27', acrKeys)).toEqual([])
    expect(keysFor('nginx:1.27', ['ghcr.io', '*.docker.io'])).toEqual([])
  })

  test('registry-1.docker.io is a registry of its own for kubelet: Docker Hub keys do not match it', () => {
    expect(keysFor('registry-1.docker.io/library/nginx', ['https://index.docker.io/v1/', 'docker.io'])).toEqual([])
    expect(keysFor('registry-1.docker.io/library/nginx', ['registry-1.docker.io', '*.docker.io'])).toEqual([
      'registry-1.docker.io',
      '*.docker.io'
    ])
  })

  test('an image pinned by digest matches by its registry, like any other', () => {
    const digest = 'sha256:' + '0123456789abcdef'.repeat(4)
    expect(keysFor(`ghcr.io/acme/sidecar@${digest}`, ['ghcr.io', 'https://index.docker.io/v1/'])).toEqual(['ghcr.io'])
  })

  test('no key at all: nothing matches', () => {
    expect(keysFor('ghcr.io/acme/sidecar', [])).toEqual([])
    expect(keysFor('nginx', [])).toEqual([])
  })
})

describe("kubelet's rules where its own tests are silent", () => {
  test('the order is reverse byte order of the normalised keys: deeper paths and literal hosts before globs', () => {
    const keys = [
      '*.example.com',
      'registry.example.com',
      'registry.example.com/team',
      'https://registry.example.com/team/app'
    ]
    expect(keysFor('registry.example.com/team/app:1', keys)).toEqual([
      'https://registry.example.com/team/app',
      'registry.example.com/team',
      'registry.example.com',
      '*.example.com'
    ])
  })

  test('keys that normalise alike are all tried, in the order given', () => {
    expect(keysFor('ghcr.io/acme/app', ['https://ghcr.io', 'ghcr.io', 'http://ghcr.io/v2/'])).toEqual([
      'https://ghcr.io',
      'ghcr.io',
      'http://ghcr.io/v2/'
    ])
    expect(keysFor('nginx', ['index.docker.io', 'https://index.docker.io/v1/'])).toEqual([
      'index.docker.io',
      'https://index.docker.io/v1/'
    ])
  })

  test("a key's path is a string prefix of the image's path, not a whole-component one", () => {
    expect(keysFor('ghcr.io/acme-labs/app', ['ghcr.io/acme'])).toEqual(['ghcr.io/acme'])
    expect(keysFor('ghcr.io/acme/app', ['ghcr.io/acme/'])).toEqual(['ghcr.io/acme/'])
    expect(keysFor('ghcr.io/acme', ['ghcr.io/acme/'])).toEqual([])
    expect(keysFor('ghcr.io/other/app', ['ghcr.io/acme'])).toEqual([])
  })

  test('only a /v1/ or /v2/ prefix is dropped from a path', () => {
    expect(keysFor('ghcr.io/acme/app', ['https://ghcr.io/v2/acme'])).toEqual(['https://ghcr.io/v2/acme'])
    expect(keysFor('ghcr.io/acme/app', ['https://ghcr.io/v1'])).toEqual([])
    expect(keysFor('ghcr.io/acme/app', ['https://ghcr.io/v3/'])).toEqual([])
  })

  test('ports must be equal; none is not 443', () => {
    expect(keysFor('registry.example.com:5000/app', ['registry.example.com:5000'])).toEqual([
      'registry.example.com:5000'
    ])
    expect(keysFor('registry.example.com:5000/app', ['registry.example.com'])).toEqual([])
    expect(keysFor('registry.example.com/app', ['registry.example.com:443'])).toEqual([])
    expect(keysFor('registry.example.com:5000/app', ['registry.example.com:05000'])).toEqual([])
  })

  test('hosts must have as many labels: a literal key is no prefix of a longer host, a trailing * no stand-in for a missing label', () => {
    expect(keysFor('registry.example.com.evil.net/app', ['registry.example.com'])).toEqual([])
    expect(keysFor('ghcr.io/app', ['ghcr.io.*'])).toEqual([])
  })

  test('a glob stands for one label: *.example.com matches a.example.com, not a.b.example.com nor example.com', () => {
    expect(keysFor('a.example.com/app', ['*.example.com'])).toEqual(['*.example.com'])
    expect(keysFor('a.b.example.com/app', ['*.example.com'])).toEqual([])
    expect(keysFor('example.com/app', ['*.example.com'])).toEqual([])
  })

  test('labels match as path/filepath globs: classes and ranges; a malformed glob matches nothing', () => {
    expect(keysFor('r1.example.com/app', ['r[0-9].example.com'])).toEqual(['r[0-9].example.com'])
    expect(keysFor('rx.example.com/app', ['r[0-9].example.com'])).toEqual([])
    // filepath would negate with "^", but net/url refuses a "^" in a host first.
    expect(keysFor('rx.example.com/app', ['r[^0-9].example.com'])).toEqual([])
    expect(keysFor('r1.example.com/app', ['r[9-0].example.com'])).toEqual([])
    expect(keysFor('r1.example.com/app', ['r[0-9.example.com', 'r[].example.com', 'r[-].example.com'])).toEqual([])
  })

  test('hosts compare case-sensitively, as filepath.Match does', () => {
    expect(keysFor('Registry.Example.com/app', ['registry.example.com'])).toEqual([])
    expect(keysFor('Registry.Example.com/app', ['Registry.Example.com'])).toEqual(['Registry.Example.com'])
  })

  test('a key net/url cannot parse is skipped, as kubelet logs and skips it', () => {
    expect(keysFor('ghcr.io/acme/app', ['ghcr.io:port', 'ghcr.io', 'ghcr .io', 'ghcr.io/%zz'])).toEqual(['ghcr.io'])
    expect(keysFor('ghcr.io/acme/app', ['ghcr.io#%zz', 'u|x@ghcr.io', 'ghcr.io\u0001', 'gh%63r.io'])).toEqual([])
    expect(keysFor('[::1]:5000/app', ['[::1:5000'])).toEqual([])
    // Lookup parses the unescaped key once more: "%25zz" becomes "%zz", which no longer parses.
    expect(matchingAuthKeysForName('ghcr.io/x', ['ghcr.io/%25zz', 'ghcr.io'])).toEqual(['ghcr.io'])
    // A leading "[" reads as an IPv6 literal, so a class glob cannot start a host.
    expect(keysFor('r.example.com/app', ['[a-z].example.com'])).toEqual([])
  })

  test("a key's path is compared unescaped", () => {
    expect(keysFor('ghcr.io/acme/app', ['ghcr.io/%61cme'])).toEqual(['ghcr.io/%61cme'])
  })

  test('query, fragment and user info of a key are ignored', () => {
    expect(keysFor('ghcr.io/acme/app', ['https://user@ghcr.io/acme?x=1#top'])).toEqual([
      'https://user@ghcr.io/acme?x=1#top'
    ])
  })

  test('a "?" in a key starts its query, so it is no glob: r?.example.com is the host "r"', () => {
    expect(keysFor('r1.example.com/app', ['r?.example.com'])).toEqual([])
    expect(keysFor('r/app', ['r?.example.com'])).toEqual([])
    expect(matchingAuthKeysForName('r', ['r?.example.com'])).toEqual(['r?.example.com'])
  })

  test('IPv6 registries match with their port; without one, the bracket reads as a glob class', () => {
    expect(keysFor('[::1]:5000/app', ['[::1]:5000'])).toEqual(['[::1]:5000'])
    expect(keysFor('[::1]/app', ['[::1]'])).toEqual([])
  })

  test('a first component without "." or ":" falls back to Docker Hub\'s key, localhost too, as kubelet does', () => {
    expect(keysFor('localhost/app', ['https://index.docker.io/v1/'])).toEqual(['https://index.docker.io/v1/'])
    expect(keysFor('localhost/app', ['localhost', 'https://index.docker.io/v1/'])).toEqual(['localhost'])
    expect(keysFor('localhost:5000/app', ['https://index.docker.io/v1/'])).toEqual([])
  })

  test('the Docker Hub fallback is index.docker.io only: other Docker Hub spellings do not stand in for it', () => {
    expect(
      keysFor('nginx', ['registry-1.docker.io', 'index.docker.io:443', 'https://index.docker.io/v1/library'])
    ).toEqual([])
  })
})

describe('kubelet rules a mutation run found unpinned', () => {
  test('only a path that starts with /v1/ loses it: https://ghcr.io/v1/acme is the key ghcr.io/acme', () => {
    expect(keysFor('ghcr.io/acme/app', ['https://ghcr.io/v1/acme'])).toEqual(['https://ghcr.io/v1/acme'])
  })

  test('a bare "/" path is dropped, so ghcr.io/ and ghcr.io are one index entry, tried in the order given', () => {
    expect(keysFor('ghcr.io/acme/app', ['ghcr.io', 'ghcr.io/'])).toEqual(['ghcr.io', 'ghcr.io/'])
  })

  test('a key whose host ends in a bare ":" has no port, and matches a host without one', () => {
    expect(keysFor('ghcr.io/acme/app', ['ghcr.io:'])).toEqual(['ghcr.io:'])
  })

  test('a glob label does not swallow a port: registry.example.* does not match registry.example.com:5000', () => {
    expect(keysFor('registry.example.com:5000/app', ['registry.example.*'])).toEqual([])
  })

  test('a key with a port and a glob class is refused by net.SplitHostPort (a "[" after the start), so it has no port and matches nothing', () => {
    expect(keysFor('r1.example.com:5000/app', ['r[0-9].example.com:5000'])).toEqual([])
  })

  test('an IPv6 key in brackets keeps its port, after user info too', () => {
    expect(keysFor('[::1]:5000/app', ['u@[::1]:5000'])).toEqual(['u@[::1]:5000'])
  })

  test("a key's fragment is cut before its host is read: ghcr.io#top is the key ghcr.io", () => {
    expect(keysFor('ghcr.io/acme/app', ['ghcr.io#top'])).toEqual(['ghcr.io#top'])
  })

  test("a key's query is never unescaped, only its fragment is", () => {
    expect(keysFor('ghcr.io/acme/app', ['ghcr.io?x=%zz'])).toEqual(['ghcr.io?x=%zz'])
    expect(keysFor('ghcr.io/acme/app', ['ghcr.io?x=%zz#top'])).toEqual(['ghcr.io?x=%zz#top'])
    expect(keysFor('ghcr.io/acme/app', ['ghcr.io?x=%#top'])).toEqual(['ghcr.io?x=%#top'])
  })

  test('a control character anywhere before the fragment, in the query too, makes a key unparseable', () => {
    expect(keysFor('ghcr.io/acme/app', ['ghcr.io?x=\u0001'])).toEqual([])
  })

  test('user info with a bad %-escape makes a key unparseable', () => {
    expect(keysFor('ghcr.io/acme/app', ['u%zz@ghcr.io'])).toEqual([])
  })

  test("the text after a host's last colon must be digits, even where that colon sits in a glob class", () => {
    expect(keysFor('ghcr.io/acme/app', ['ghcr.i[o:]'])).toEqual([])
  })

  test('a host may hold %-escapes of bytes from 0x80 up, and %25, which the lookup unescapes once more', () => {
    expect(keysFor('ra.example.com/app', ['r[a%80].example.com'])).toEqual(['r[a%80].example.com'])
    expect(keysFor('ra.example.com/app', ['r[a%C3%A9].example.com'])).toEqual(['r[a%C3%A9].example.com'])
    expect(keysFor('ra.example.com/app', ['r[a%2525].example.com'])).toEqual(['r[a%2525].example.com'])
  })

  test('a host may hold non-ASCII characters unescaped, U+0080 up, but no ASCII that net/url escapes in a host', () => {
    expect(keysFor('ra.example.com/app', ['r[a\u0080].example.com'])).toEqual(['r[a\u0080].example.com'])
    expect(keysFor('ra.example.com/app', ['r[aé].example.com'])).toEqual(['r[aé].example.com'])
    expect(keysFor('ra.example.com/app', ['r[a|].example.com'])).toEqual([])
  })

  test('a class holds every character up to its "]": r[ab] matches rb', () => {
    expect(keysFor('rb.example.com/app', ['r[ab].example.com'])).toEqual(['r[ab].example.com'])
  })

  test('a class may hold several ranges, and nothing beside them: r[0-9x-z] does not match ra', () => {
    expect(keysFor('ry.example.com/app', ['r[0-9x-z].example.com'])).toEqual(['r[0-9x-z].example.com'])
    expect(keysFor('ra.example.com/app', ['r[0-9x-z].example.com'])).toEqual([])
  })

  test('a range from a character to itself matches that character', () => {
    expect(keysFor('ra.example.com/app', ['r[a-a].example.com'])).toEqual(['r[a-a].example.com'])
  })

  test('a class that matches nothing still takes a character: r[9-0] does not match r', () => {
    expect(keysFor('r.example.com/app', ['r[9-0].example.com'])).toEqual([])
  })

  test('a class may not start with "-" or "]", nor be empty: such a glob is malformed and matches nothing', () => {
    expect(keysFor('ra.example.com/app', ['r[-a].example.com'])).toEqual([])
    expect(keysFor('ra.example.com/app', ['r[]a].example.com'])).toEqual([])
    expect(keysFor('ra.example.com/app', ['r[0-9].example.com', 'r[].example.com'])).toEqual([])
  })
})

describe('kubelet rules for names only matchingAuthKeysForName is handed (an image reference never gives them)', () => {
  test('a bare name, one character or a host, falls back to Docker Hub: isDefaultRegistryMatch has no "/" to split at', () => {
    expect(matchingAuthKeysForName('x', ['index.docker.io'])).toEqual(['index.docker.io'])
    expect(matchingAuthKeysForName('ghcr.io', ['index.docker.io'])).toEqual(['index.docker.io'])
  })

  test('a name starting with "/" has an empty registry, which is not Docker Hub', () => {
    expect(matchingAuthKeysForName('/app', ['index.docker.io'])).toEqual([])
  })

  test('an index.docker.io name whose path net/url refuses still falls back to the index.docker.io key', () => {
    expect(matchingAuthKeysForName('index.docker.io/%zz', ['index.docker.io'])).toEqual(['index.docker.io'])
  })

  test('a host that is only a port is the empty host with that port, no label for "*"', () => {
    expect(matchingAuthKeysForName(':5000/app', ['*'])).toEqual([])
  })

  test('a host with two colons has no port for net.SplitHostPort: all of it is one label', () => {
    expect(matchingAuthKeysForName('a:b:5000/app', ['*'])).toEqual(['*'])
  })

  test('a "[" or a "]" in a host without brackets makes net.SplitHostPort refuse it, so it has no port', () => {
    expect(matchingAuthKeysForName('a[:5000/app', ['*:5000'])).toEqual([])
    expect(matchingAuthKeysForName('a]:5000/app', ['*:5000'])).toEqual([])
  })

  test('a key that is only a query is the empty host, which matches a name with an empty registry', () => {
    expect(matchingAuthKeysForName('/app', ['?x'])).toEqual(['?x'])
  })

  test('a key whose host starts with its only colon still needs digits after it', () => {
    expect(matchingAuthKeysForName(':5:5/app', [':[0-9]*'])).toEqual([])
  })

  test("an empty host's path still counts: https:///a does not match /b", () => {
    expect(matchingAuthKeysForName('/b', ['https:///a'])).toEqual([])
  })
})
