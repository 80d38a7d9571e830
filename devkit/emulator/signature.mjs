// ACS3-HMAC-SHA256 verification, written from the published algorithm (docs/sae-api.md) with
// node:crypto only. It must never call the Alibaba packages' signing code: it would then agree
// with any bug in them.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export const ALGORITHM = 'ACS3-HMAC-SHA256'

export function sha256Hex(data) {
  return createHash('sha256').update(data).digest('hex')
}

/** encodeURIComponent, plus the characters it leaves alone that the canonical form escapes. */
export function percentEncode(value) {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** The decoded query pairs, keys sorted, each key and value re-encoded. */
export function canonicalQuery(searchParams) {
  const pairs = [...searchParams.entries()]
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return pairs.map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`).join('&')
}

/** The header names that must be signed: host, content-type and every x-acs-* header. */
export function headersToSign(headers) {
  return Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name === 'host' || name === 'content-type' || name.startsWith('x-acs-'))
    .sort()
}

export function canonicalRequest({ method, path, searchParams, headers, signedHeaders, payloadHash }) {
  const lines = signedHeaders.map((name) => `${name}:${String(headers[name] ?? '').trim()}\n`).join('')
  return `${method}\n${path}\n${canonicalQuery(searchParams)}\n${lines}\n${signedHeaders.join(';')}\n${payloadHash}`
}

export function stringToSign(canonical) {
  return `${ALGORITHM}\n${sha256Hex(canonical)}`
}

export function sign(secret, text) {
  return createHmac('sha256', secret).update(text).digest('hex')
}

/** Parses `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`; undefined if malformed. */
export function parseAuthorization(value) {
  if (typeof value !== 'string' || !value.startsWith(`${ALGORITHM} `)) return undefined
  const fields = {}
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
  }
  if (!fields.Credential || !fields.SignedHeaders || !fields.Signature) return undefined
  return { credential: fields.Credential, signedHeaders: fields.SignedHeaders.split(';'), signature: fields.Signature }
}

export function signaturesEqual(a, b) {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}

// The RPC signature (SignatureMethod HMAC-SHA1, SignatureVersion 1.0) that STS's RPC calls carry,
// written from the published description (docs/sae-api.md, "STS AssumeRole"), node:crypto only.

export const RPC_SIGNATURE_METHOD = 'HMAC-SHA1'
export const RPC_SIGNATURE_VERSION = '1.0'

/**
 * The string an RPC request signs: the method, the encoded path `/`, and the canonical form of every
 * parameter but `Signature` (the query's and a form body's), each encoded once as a pair and once
 * again as a whole: `POST&%2F&AccessKeyId%3D…%26Action%3D…`.
 * @param {string} method
 * @param {Array<[string, string]>} parameters decoded name/value pairs, Signature excluded
 */
export function rpcStringToSign(method, parameters) {
  const pairs = parameters
    .map(([name, value]) => [percentEncode(name), percentEncode(value)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const canonical = pairs.map(([name, value]) => `${name}=${value}`).join('&')
  return `${method}&${percentEncode('/')}&${percentEncode(canonical)}`
}

/** base64 of HMAC-SHA1 keyed with the AccessKey secret and `&`. */
export function rpcSignature(accessKeySecret, text) {
  return createHmac('sha1', `${accessKeySecret}&`).update(text).digest('base64')
}
