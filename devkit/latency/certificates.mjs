// A throwaway certificate authority and one server certificate for a latency world's host names,
// made with node:crypto alone (no openssl CLI, so the same on Linux, macOS and Windows): EC P-256
// keys, X.509 v3 written out in DER by the few lines below, signed ECDSA with SHA-256. The CA's
// private key lives only in this function and is dropped on return; the leaf's key stays in memory
// (the TLS terminators are in-process), so no private key is ever written to disk. Only the CA's
// certificate is written, for the child's NODE_EXTRA_CA_CERTS.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto'

// DER: tag, length, contents (ITU-T X.690).
const length = (n) => {
  if (n < 0x80) return Buffer.from([n])
  const bytes = []
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}
const tlv = (tag, ...contents) => {
  const body = Buffer.concat(contents)
  return Buffer.concat([Buffer.from([tag]), length(body.length), body])
}
const sequence = (...items) => tlv(0x30, ...items)
const set = (...items) => tlv(0x31, ...items)
const explicit = (n, item) => tlv(0xa0 + n, item)
const octetString = (bytes) => tlv(0x04, bytes)
const bitString = (bytes, unusedBits = 0) => tlv(0x03, Buffer.from([unusedBits]), bytes)
const boolean = (value) => tlv(0x01, Buffer.from([value ? 0xff : 0x00]))
const utf8 = (text) => tlv(0x0c, Buffer.from(text, 'utf8'))
const integer = (bytes) => tlv(0x02, bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes)
function oid(dotted) {
  const [first, second, ...rest] = dotted.split('.').map(Number)
  const bytes = [40 * first + second]
  for (const arc of rest) {
    const base128 = [arc & 0x7f]
    for (let value = arc >>> 7; value > 0; value >>>= 7) base128.unshift(0x80 | (value & 0x7f))
    bytes.push(...base128)
  }
  return tlv(0x06, Buffer.from(bytes))
}
/** UTCTime, YYMMDDHHMMSSZ (dates before 2050). */
const utcTime = (date) => tlv(0x17, Buffer.from(date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'))

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'))
const commonName = (text) => sequence(set(sequence(oid('2.5.4.3'), utf8(text))))
const extension = (id, critical, value) => sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value))

/** The key identifier RFC 5280 4.2.1.2 (1) describes: SHA-1 of the subjectPublicKey's bits. */
function keyIdentifier(spki) {
  // An EC P-256 SubjectPublicKeyInfo ends with the 65-byte uncompressed point.
  return createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest()
}

function certificate({ subject, issuer, spki, issuerSpki, signingKey, extensions, days }) {
  const notBefore = new Date(Date.now() - 60 * 60 * 1000)
  const notAfter = new Date(Date.now() + days * 24 * 60 * 60 * 1000)
  const serial = randomBytes(16)
  serial[0] = (serial[0] & 0x7f) | 0x01
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_WITH_SHA256,
    commonName(issuer),
    sequence(utcTime(notBefore), utcTime(notAfter)),
    commonName(subject),
    spki,
    explicit(
      3,
      sequence(
        extension('2.5.29.14', false, octetString(keyIdentifier(spki))),
        extension('2.5.29.35', false, sequence(tlv(0x80, keyIdentifier(issuerSpki)))),
        ...extensions
      )
    )
  )
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(sign('sha256', tbs, signingKey)))
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)
    .join('\n')}\n-----END CERTIFICATE-----\n`
}

/**
 * A CA (valid `days`) and a leaf certificate for every one of `names` (subjectAltName dNSName), signed
 * by it. Returns PEM: `ca` (the CA's certificate), `cert` and `key` (the leaf's, for a TLS server).
 * @param {string[]} names
 * @param {{days?: number, caName?: string}} [options]
 */
export function makeWorldCertificates(names, { days = 2, caName = 'latency world test CA (loopback only)' } = {}) {
  if (names.length === 0) throw new Error('a certificate needs at least one name')
  const pair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const ca = pair()
  const leaf = pair()
  const caSpki = ca.publicKey.export({ type: 'spki', format: 'der' })
  const leafSpki = leaf.publicKey.export({ type: 'spki', format: 'der' })
  const caCert = certificate({
    subject: caName,
    issuer: caName,
    spki: caSpki,
    issuerSpki: caSpki,
    signingKey: ca.privateKey,
    days,
    extensions: [
      extension('2.5.29.19', true, sequence(boolean(true))),
      // keyCertSign (bit 5) and cRLSign (bit 6): 0b0000011 0, one unused bit.
      extension('2.5.29.15', true, bitString(Buffer.from([0x06]), 1))
    ]
  })
  const leafCert = certificate({
    subject: names[0],
    issuer: caName,
    spki: leafSpki,
    issuerSpki: caSpki,
    signingKey: ca.privateKey,
    days,
    extensions: [
      extension('2.5.29.19', true, sequence()),
      // digitalSignature (bit 0): 0b1, seven unused bits.
      extension('2.5.29.15', true, bitString(Buffer.from([0x80]), 7)),
      extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))),
      extension('2.5.29.17', false, sequence(...names.map((name) => tlv(0x82, Buffer.from(name, 'ascii')))))
    ]
  })
  return {
    ca: caCert,
    cert: leafCert,
    key: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    /** The CA's public key, to check a chain by hand. */
    caPublicKey: createPublicKey(caCert)
  }
}
