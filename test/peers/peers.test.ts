// Finding the real programs the peer tests run: a missing one is a failure that says how to
// install it, never a skipped test.
import { describe, expect, test } from '@jest/globals'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { missingPeerMessage, PEERS, requirePeer } from '../../devkit/harness/peers.mjs'

describe('requirePeer', () => {
  test('each installed peer is found where Debian puts it', () => {
    for (const [name, peer] of Object.entries(PEERS)) expect(requirePeer(name as keyof typeof PEERS)).toBe(peer.path)
  })

  test('missing everywhere: the error says which package to install, and that .ci/run installs them all', () => {
    const nowhere = { path: '/nonexistent/docker-registry', searchPath: '' }
    expect(() => requirePeer('docker-registry', nowhere)).toThrow(
      new Error(
        'docker-registry is not installed: run `apt-get install docker-registry` (Debian), or .ci/run, which installs what npm test needs'
      )
    )
    expect(() => requirePeer('htpasswd', { path: '/nonexistent/htpasswd', searchPath: '' })).toThrow(
      'run `apt-get install apache2-utils` (Debian)'
    )
    expect(missingPeerMessage('basic_ncsa_auth')).toBe(
      'basic_ncsa_auth is not installed: run `apt-get install squid` (Debian), or .ci/run, which installs what npm test needs'
    )
  })

  test('not where Debian puts it: found on PATH, if executable there', () => {
    const folder = mkdtempSync(join(tmpdir(), 'sae-peers-'))
    try {
      const program = join(folder, 'squid')
      writeFileSync(program, '#!/bin/sh\n', { mode: 0o644 })
      expect(() => requirePeer('squid', { path: '/nonexistent/squid', searchPath: folder })).toThrow(
        'squid is not installed'
      )
      chmodSync(program, 0o755)
      expect(requirePeer('squid', { path: '/nonexistent/squid', searchPath: `/nonexistent:${folder}` })).toBe(program)
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })
})
