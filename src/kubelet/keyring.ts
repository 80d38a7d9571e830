// Which `auths` keys of a docker config kubelet tries for an image, and in which order. Kubelet's rules
// (BasicDockerKeyring.Add and Lookup, URLsMatch, ParseSchemelessURL, SplitURL, isDefaultRegistryMatch)
// as read in kubernetes/kubernetes pkg/credentialprovider/keyring.go: the TrackedAuthConfig version
// (Kubernetes 1.33 and later; the code index gave no commit for it), the same rules as at 4f3d0e3b.
// Pure: names and keys in, keys out.
import type { ImageReference } from '../domain/model.js'

/** Docker Hub's entry in kubelet's index: what `https://index.docker.io/v1/` and `index.docker.io` become. */
const DOCKER_HUB_INDEX_KEY = 'index.docker.io'

/** The keys of a docker config's `auths` that kubelet would try for this image, in the order it tries them. Empty: the Secret cannot pull it. */
export function matchingAuthKeys(image: ImageReference, keys: string[]): string[] {
  return matchingAuthKeysForName(`${image.registry}/${image.repository}`, keys)
}

/**
 * The same, for the name kubelet hands its keyring (`registry/repository`, as its ParseImageName
 * gives it, without tag or digest). Kubelet's own tests look up such names directly, bare hosts too.
 */
export function matchingAuthKeysForName(name: string, keys: string[]): string[] {
  const keysByIndexKey = new Map<string, string[]>()
  for (const key of keys) {
    const indexKey = kubeletIndexKey(key)
    // Kubelet logs and skips an entry that net/url cannot parse.
    if (indexKey === undefined) continue
    keysByIndexKey.set(indexKey, [...(keysByIndexKey.get(indexKey) ?? []), key])
  }
  // Reverse byte order puts "quay.io/coreos" before "quay.io": the more specific key is tried first.
  // Keys that share an index entry come in kubelet's map order, which Go leaves random; here, as given.
  const index = [...keysByIndexKey.keys()].sort((a, b) => (a < b ? 1 : -1))

  const matched = index
    .filter((indexKey) => urlsMatch(indexKey, name))
    .flatMap((indexKey) => keysByIndexKey.get(indexKey)!)
  if (matched.length > 0) return matched
  return isDefaultRegistryMatch(name) ? (keysByIndexKey.get(DOCKER_HUB_INDEX_KEY) ?? []) : []
}

/** BasicDockerKeyring.Add: the scheme dropped, a `/v1/` or `/v2/` path prefix dropped, a bare `/` path dropped. */
function kubeletIndexKey(key: string): string | undefined {
  const parsed = parseUrl(key.startsWith('https://') || key.startsWith('http://') ? key : `https://${key}`)
  if (parsed === undefined) return undefined
  const path = parsed.path.startsWith('/v1/') || parsed.path.startsWith('/v2/') ? parsed.path.slice(3) : parsed.path
  return path === '' || path === '/' ? parsed.host : parsed.host + path
}

/**
 * URLsMatch on ParseSchemelessURL of both: same port (none = none), same number of host labels,
 * each label matching as a path/filepath glob, and the key's path a string prefix of the image's.
 */
function urlsMatch(glob: string, target: string): boolean {
  const globUrl = parseUrl(`https://${glob}`)
  const targetUrl = parseUrl(`https://${target}`)
  if (globUrl === undefined || targetUrl === undefined) return false
  const [globLabels, globPort] = splitUrl(globUrl.host)
  const [targetLabels, targetPort] = splitUrl(targetUrl.host)
  if (globPort !== targetPort || globLabels.length !== targetLabels.length) return false
  if (!targetUrl.path.startsWith(globUrl.path)) return false
  return globLabels.every((label, i) => labelMatches(label, targetLabels[i]!))
}

/** A name kubelet would pull from Docker Hub: no registry component, or docker.io / index.docker.io. */
function isDefaultRegistryMatch(name: string): boolean {
  const slash = name.indexOf('/')
  const first = slash < 0 ? name : name.slice(0, slash)
  if (first === '') return false
  if (slash < 0) return true
  if (first === 'docker.io' || first === DOCKER_HUB_INDEX_KEY) return true
  return !/[.:]/.test(first)
}

/** SplitURL: the host's dot-separated labels and its port; a host net.SplitHostPort refuses is all host, no port. */
function splitUrl(hostport: string): [labels: string[], port: string] {
  const split = splitHostPort(hostport)
  const [host, port] = split ?? [hostport, '']
  return [host.split('.'), port]
}

/** net.SplitHostPort; undefined where it returns an error. */
function splitHostPort(hostport: string): [host: string, port: string] | undefined {
  const colon = hostport.lastIndexOf(':')
  if (colon < 0) return undefined
  let host: string
  let searchBracketsFrom = [0, 0]
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']')
    if (end < 0 || end + 1 !== colon) return undefined
    host = hostport.slice(1, end)
    searchBracketsFrom = [1, end + 1]
  } else {
    host = hostport.slice(0, colon)
    if (host.includes(':')) return undefined
  }
  if (hostport.slice(searchBracketsFrom[0]).includes('[') || hostport.slice(searchBracketsFrom[1]).includes(']'))
    return undefined
  return [host, hostport.slice(colon + 1)]
}

interface ParsedUrl {
  host: string
  /** Unescaped, as url.URL.Path. */
  path: string
}

/**
 * net/url.Parse of an `http://` or `https://` URL, for the two parts kubelet reads; undefined where
 * Parse returns an error (control characters, a bad %-escape, a port that is not digits, a character
 * a host may not have).
 */
function parseUrl(raw: string): ParsedUrl | undefined {
  const hash = raw.indexOf('#')
  const beforeFragment = hash < 0 ? raw : raw.slice(0, hash)
  if (/[\x00-\x1f\x7f]/.test(beforeFragment)) return undefined
  if (hash >= 0 && unescape(raw.slice(hash + 1), 'other') === undefined) return undefined
  const rest = beforeFragment.slice(beforeFragment.indexOf('://') + 3)
  const query = rest.indexOf('?')
  const hierarchical = query < 0 ? rest : rest.slice(0, query)
  const slash = hierarchical.indexOf('/')
  const authority = slash < 0 ? hierarchical : hierarchical.slice(0, slash)
  const host = parseAuthority(authority)
  const path = unescape(slash < 0 ? '' : hierarchical.slice(slash), 'other')
  if (host === undefined || path === undefined) return undefined
  return { host, path }
}

const USERINFO = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/

function parseAuthority(authority: string): string | undefined {
  const at = authority.lastIndexOf('@')
  if (at >= 0) {
    const userinfo = authority.slice(0, at)
    if (!USERINFO.test(userinfo) || unescape(userinfo, 'other') === undefined) return undefined
  }
  const host = authority.slice(at + 1)
  let colonPort: string
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']')
    if (close < 0) return undefined
    colonPort = host.slice(close + 1)
  } else {
    const colon = host.lastIndexOf(':')
    colonPort = colon < 0 ? '' : host.slice(colon)
  }
  if (!/^(?::[0-9]*)?$/.test(colonPort)) return undefined
  return unescape(host, 'host')
}

/** ASCII a host may hold unescaped (net/url's shouldEscape in encodeHost mode). */
const HOST_ASCII = /^[A-Za-z0-9!$&'()*+,;=:[\]<>"\-_.~]$/

/** net/url's unescape: every "%" followed by two hex digits; in a host, no other escaped ASCII than %25. */
function unescape(text: string, mode: 'host' | 'other'): string | undefined {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '%') {
      const hex = text.slice(i + 1, i + 3)
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined
      const byte = parseInt(hex, 16)
      if (mode === 'host' && byte < 0x80 && hex !== '25') return undefined
      out += String.fromCharCode(byte)
      i += 2
    } else {
      if (mode === 'host' && c.charCodeAt(0) < 0x80 && !HOST_ASCII.test(c)) return undefined
      out += c
    }
  }
  return out
}

/**
 * path/filepath.Match of one host label: `*` any run of characters, `[a-z0-9]` a class of characters
 * and ranges. A malformed pattern matches nothing: Lookup ignores Match's error. Match's other
 * syntax never gets this far: net/url ends a host at `?` and refuses `\\` and `^` in one.
 */
function labelMatches(pattern: string, label: string): boolean {
  const regex = globRegExp(pattern)
  return regex !== undefined && regex.test(label)
}

function globRegExp(pattern: string): RegExp | undefined {
  const runes = [...pattern]
  const codePoint = (rune: string) => `\\u{${rune.codePointAt(0)!.toString(16)}}`
  let source = ''
  let i = 0
  // filepath's getEsc: one class character, which must not be "-" or "]" nor end the pattern.
  const classRune = (): string | undefined => {
    const rune = runes[i]
    if (rune === undefined || rune === '-' || rune === ']' || i + 1 >= runes.length) return undefined
    i++
    return rune
  }
  while (i < runes.length) {
    const rune = runes[i++]!
    if (rune === '*') {
      source += '[^/]*'
    } else if (rune === '[') {
      const ranges: string[] = []
      while (!(runes[i] === ']' && ranges.length > 0)) {
        const lo = classRune()
        let hi = lo
        if (lo !== undefined && runes[i] === '-') {
          i++
          hi = classRune()
        }
        if (lo === undefined || hi === undefined) return undefined
        // A range written high to low is well-formed and matches nothing.
        ranges.push(lo.codePointAt(0)! <= hi.codePointAt(0)! ? `${codePoint(lo)}-${codePoint(hi)}` : '')
      }
      i++
      source += ranges.join('') === '' ? '[^\\s\\S]' : `[${ranges.join('')}]`
    } else {
      source += codePoint(rune)
    }
  }
  return new RegExp(`^${source}$`, 'u')
}
