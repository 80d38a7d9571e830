// extra-registries: the YAML list read into registry credentials, and every way it can be wrong
// said with the input, the item and the field, never with a value that could be a password.
import { describe, expect, test } from '@jest/globals'
import { DOCKER_HUB_KEY } from '../../../src/domain/hosts.js'
import { InputError } from '../../../src/domain/errors.js'
import { MAX_EXTRA_REGISTRIES_LENGTH, parseExtraRegistries } from '../../../src/inputs/extra-registries.js'
import { parseInputs } from '../../../src/inputs/parse-inputs.js'
import { planSecrets } from '../../../src/secret/plan.js'

const SECRET = 'hunter2-Extra-s3cret'

/** The InputError the text raises; fails the test when it parses. */
async function rejection(text: string): Promise<InputError> {
  const error = await parseExtraRegistries(text).then(
    () => undefined,
    (thrown: unknown) => thrown
  )
  if (!(error instanceof InputError)) throw new Error(`expected an InputError, got ${String(error)}`)
  expect(error.input).toBe('extra-registries')
  return error
}

describe('parseExtraRegistries', () => {
  test('a list of registries, each with its own credentials and its item named as the source', async () => {
    const text = [
      '- registry: ghcr.io',
      '  username: octo-bot',
      `  password: ${SECRET}`,
      '- registry: Harbor.Example.com:8443',
      '  username: robot$ci',
      '  password: "0123"'
    ].join('\n')
    expect(await parseExtraRegistries(text)).toEqual([
      { domains: ['ghcr.io'], username: 'octo-bot', password: SECRET, origin: { kind: 'extra', item: 1 } },
      {
        domains: ['harbor.example.com:8443'],
        username: 'robot$ci',
        password: '0123',
        origin: { kind: 'extra', item: 2 }
      }
    ])
  })

  test('the flow style works too', async () => {
    expect(await parseExtraRegistries('[{registry: quay.io, username: u, password: p}]')).toEqual([
      { domains: ['quay.io'], username: 'u', password: 'p', origin: { kind: 'extra', item: 1 } }
    ])
  })

  test('registry as a list of hosts: each is a key of auths, once', async () => {
    const [registry] = await parseExtraRegistries(
      [
        '- registry:',
        '    - acme-registry-vpc.cn-shanghai.cr.aliyuncs.com',
        '    - acme-registry.cn-shanghai.cr.aliyuncs.com',
        '    - ACME-registry.cn-shanghai.cr.aliyuncs.com',
        '  username: u',
        '  password: p'
      ].join('\n')
    )
    expect(registry.domains).toEqual([
      'acme-registry-vpc.cn-shanghai.cr.aliyuncs.com',
      'acme-registry.cn-shanghai.cr.aliyuncs.com'
    ])
  })

  test.each(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'Docker.IO', DOCKER_HUB_KEY])(
    'Docker Hub given as %s is stored under https://index.docker.io/v1/',
    async (host) => {
      const [registry] = await parseExtraRegistries(`- registry: "${host}"\n  username: u\n  password: p\n`)
      expect(registry.domains).toEqual([DOCKER_HUB_KEY])
    }
  )

  test('several names of Docker Hub in one item are one key', async () => {
    const [registry] = await parseExtraRegistries(
      '- registry: [docker.io, index.docker.io, registry-1.docker.io]\n  username: u\n  password: p\n'
    )
    expect(registry.domains).toEqual([DOCKER_HUB_KEY])
  })

  test.each([
    ['empty', ''],
    ['blank lines', '\n  \n'],
    ['a comment', '# none for now\n'],
    ['an empty list', '[]']
  ])('%s input means no extra registries', async (_name, text) => {
    expect(await parseExtraRegistries(text)).toEqual([])
  })
})

describe('malformed YAML: where and what, never the text', () => {
  test.each([
    [
      'an unclosed quote',
      `- registry: ghcr.io\n  username: u\n  password: "${SECRET}\n`,
      '(line 4, column 1): MISSING_CHAR'
    ],
    [
      'a nested mapping in a plain value',
      `- registry: ghcr.io\n  username: u\n  password: ${SECRET}: more\n`,
      '(line 3, column 13): BLOCK_AS_IMPLICIT_KEY'
    ],
    [
      'a key given twice',
      `- registry: ghcr.io\n  username: u\n  password: ${SECRET}\n  password: ${SECRET}x\n`,
      '(line 4, column 3): DUPLICATE_KEY'
    ],
    [
      'a bad indentation',
      `- registry: ghcr.io\n  username: u\n   password: ${SECRET}\n`,
      '(line 2, column 13): BLOCK_AS_IMPLICIT_KEY'
    ]
  ])('%s gives line, column and the error code', async (_name, text, where) => {
    const error = await rejection(text)
    expect(error.message).toBe(
      `Input 'extra-registries' is not valid YAML ${where}; it must be a list of { registry, username, password }, ` +
        'and a value that starts with ! & * { [ or holds ": " or " #" must be quoted'
    )
    expect(error.message).not.toContain('hunter2')
  })

  test('a password that starts with ! (read as a tag) is refused, not printed as a parser warning', async () => {
    const warnings: unknown[] = []
    const onWarning = (warning: unknown) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const error = await rejection(`- registry: ghcr.io\n  username: u\n  password: !${SECRET}\n`)
      expect(error.message).toContain('(line 3, column 13): TAG_RESOLVE_FAILED')
      expect(error.message).toContain('must be quoted')
      expect(error.message).not.toContain(SECRET)
    } finally {
      // Let a warning emitted on the next tick arrive.
      await new Promise((resolve) => setImmediate(resolve))
      process.off('warning', onWarning)
    }
    expect(warnings).toEqual([])
  })

  test('a password that starts with * (read as an alias) is refused without its name', async () => {
    const error = await rejection(`- registry: ghcr.io\n  username: u\n  password: *${SECRET}\n`)
    expect(error.message).toMatch(/^Input 'extra-registries' is not valid YAML/)
    expect(error.message).not.toContain(SECRET)
  })

  test('two documents', async () => {
    const error = await rejection(
      `- registry: a.example.com\n  username: u\n  password: ${SECRET}\n---\n- registry: b.example.com\n`
    )
    expect(error.message).toContain('MULTIPLE_DOCS')
    expect(error.message).not.toContain(SECRET)
  })
})

describe('the shape', () => {
  test.each([
    ['a mapping', `registry: ghcr.io\nusername: u\npassword: ${SECRET}\n`],
    ['a string', SECRET],
    ['a number', '42']
  ])('not a list (%s)', async (_name, text) => {
    const error = await rejection(text)
    expect(error.message).toBe(
      `Input 'extra-registries' must be a YAML list, one "- registry: …" item per registry, each with registry, username and password`
    )
  })

  test.each([
    ['a string', `- ${SECRET}`],
    ['a list', '- [ghcr.io, u, p]'],
    ['null', '-']
  ])('an item that is not a mapping (%s)', async (_name, text) => {
    const error = await rejection(`- registry: ghcr.io\n  username: u\n  password: p\n${text}\n`)
    expect(error.message).toBe(
      "Input 'extra-registries' item 2: must be a mapping with registry, username and password"
    )
  })

  test.each([
    [
      'registry missing',
      `- username: u\n  password: ${SECRET}`,
      'item 1: registry is missing or empty; give a host[:port] or a list of them'
    ],
    [
      'registry empty',
      `- registry: ""\n  username: u\n  password: ${SECRET}`,
      'item 1: registry is missing or empty; give a host[:port] or a list of them'
    ],
    [
      'registry an empty list',
      `- registry: []\n  username: u\n  password: ${SECRET}`,
      'item 1: registry is missing or empty; give a host[:port] or a list of them'
    ],
    ['username missing', `- registry: ghcr.io\n  password: ${SECRET}`, 'item 1: username is missing or empty'],
    [
      'username null',
      `- registry: ghcr.io\n  username:\n  password: ${SECRET}`,
      'item 1: username is missing or empty'
    ],
    [
      'password missing',
      '- registry: ghcr.io\n  username: u',
      'item 1: password is missing or empty (an unset secret arrives empty)'
    ],
    [
      'password empty (an unset secret)',
      '- registry: ghcr.io\n  username: u\n  password: ',
      'item 1: password is missing or empty (an unset secret arrives empty)'
    ]
  ])('%s', async (_name, text, problem) => {
    const error = await rejection(text)
    expect(error.message).toBe(`Input 'extra-registries' ${problem}`)
  })

  test('an unknown field is named, with the three fields there are', async () => {
    const error = await rejection(`- registry: ghcr.io\n  username: u\n  password: ${SECRET}\n  passwd: ${SECRET}\n`)
    expect(error.message).toBe(
      `Input 'extra-registries' item 1: has no field "passwd"; the fields are registry, username and password`
    )
  })

  test.each([
    ['0123 (read as the number 123)', '0123'],
    ['1e3 (read as 1000)', '1e3'],
    ['true', 'true'],
    ['a flow mapping (an unquoted JSON key)', '{"type": "service_account"}'],
    ['a list', `[${SECRET}]`]
  ])('a password that is not a string: %s', async (_name, value) => {
    const error = await rejection(`- registry: ghcr.io\n  username: u\n  password: ${value}\n`)
    expect(error.message).toBe(
      "Input 'extra-registries' item 1: password must be a string; quote it (or write ${{ toJSON(secrets.NAME) }})"
    )
    expect(error.message).not.toContain(SECRET)
  })

  test('a username that is not a string', async () => {
    const error = await rejection('- registry: ghcr.io\n  username: 12345\n  password: p\n')
    expect(error.message).toContain('item 1: username must be a string')
  })

  test('a host given twice across items names both items', async () => {
    const error = await rejection(
      `- registry: ghcr.io\n  username: a\n  password: ${SECRET}\n- registry: [quay.io, GHCR.io]\n  username: b\n  password: ${SECRET}2\n`
    )
    expect(error.message).toBe(
      "Input 'extra-registries' item 2 lists ghcr.io, which item 1 lists too; give each registry once"
    )
  })

  test('Docker Hub under two names across items is one registry given twice', async () => {
    const error = await rejection(
      '- registry: docker.io\n  username: a\n  password: p\n- registry: registry-1.docker.io\n  username: b\n  password: q\n'
    )
    expect(error.message).toContain(`item 2 lists ${DOCKER_HUB_KEY}, which item 1 lists too`)
  })

  test.each([
    [
      'a line break in the password',
      'password',
      `"${SECRET}\\n"`,
      'item 1: password must be one line without control characters'
    ],
    [
      'a tab in the password',
      'password',
      `"${SECRET}\\t"`,
      'item 1: password must be one line without control characters'
    ],
    [
      'an escape character in the username',
      'username',
      '"bot\\e[31m"',
      'item 1: username must be one line without control characters'
    ],
    ['a NUL in the username', 'username', '"bot\\0"', 'item 1: username must be one line without control characters']
  ])('%s', async (_name, field, value, problem) => {
    const fields: Record<string, string> = {
      registry: 'ghcr.io',
      username: 'u',
      password: `"${SECRET}"`,
      [field]: value
    }
    const error = await rejection(
      `- ${Object.entries(fields)
        .map(([name, v]) => `${name}: ${v}`)
        .join('\n  ')}\n`
    )
    expect(error.message).toContain(problem)
    expect(error.message).not.toContain(SECRET)
  })

  test('a colon in the username (it would split auth wrongly)', async () => {
    const error = await rejection('- registry: ghcr.io\n  username: "a:b"\n  password: p\n')
    expect(error.message).toContain('item 1: username must not contain ":"')
  })

  test.each([
    ['a scheme', 'https://ghcr.io', 'item 1: registry takes host[:port] without a scheme; got "https://ghcr.io"'],
    ['a path', 'ghcr.io/octo-org', 'item 1: registry takes host[:port] without a path; got "ghcr.io/octo-org"'],
    ['a port out of range', 'ghcr.io:70000', 'item 1: registry has a port outside 1-65535 in "ghcr.io:70000"'],
    ['a space inside', 'ghcr io', 'item 1: registry takes host names such as']
  ])('a host with %s', async (_name, host, problem) => {
    const error = await rejection(`- registry: "${host}"\n  username: u\n  password: ${SECRET}\n`)
    expect(error.message).toContain(problem)
  })

  test('a host that is not a string', async () => {
    const error = await rejection('- registry: [ghcr.io, 5000]\n  username: u\n  password: p\n')
    expect(error.message).toBe("Input 'extra-registries' item 1: registry must be a host[:port] or a list of them")
  })

  test('an input longer than the bound is refused before parsing', async () => {
    const error = await rejection(`# ${'x'.repeat(MAX_EXTRA_REGISTRIES_LENGTH)}`)
    expect(error.message).toContain(`at most ${MAX_EXTRA_REGISTRIES_LENGTH} are accepted`)
  })
})

describe('planSecrets with extra registries', () => {
  const inputs = (values: Record<string, string>) =>
    parseInputs(
      (name) =>
        ({
          'namespace-id': 'cn-hangzhou:prod',
          'secret-name': 'registry-auth',
          username: 'u',
          password: 'p',
          ...values
        })[name] ?? ''
    )

  test('the main registry first, then each extra one with its own credentials', async () => {
    const extra = await parseExtraRegistries(`- registry: ghcr.io\n  username: octo\n  password: ${SECRET}\n`)
    const [plan] = planSecrets(inputs({}), extra)
    expect(plan.domains).toEqual([
      'registry-vpc.cn-hangzhou.aliyuncs.com',
      'registry.cn-hangzhou.aliyuncs.com',
      'ghcr.io'
    ])
    expect(plan.dockerConfig.auths['ghcr.io']).toEqual({
      username: 'octo',
      password: SECRET,
      auth: Buffer.from(`octo:${SECRET}`).toString('base64')
    })
    expect(plan.dockerConfig.auths['registry.cn-hangzhou.aliyuncs.com'].username).toBe('u')
  })

  test('an extra registry host equal to a main domain is an input error naming extra-registries and the item', async () => {
    const extra = await parseExtraRegistries(
      `- registry: quay.io\n  username: a\n  password: ${SECRET}\n- registry: REGISTRY.cn-hangzhou.aliyuncs.com\n  username: b\n  password: ${SECRET}\n`
    )
    let thrown: unknown
    try {
      planSecrets(inputs({}), extra)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(InputError)
    expect((thrown as InputError).input).toBe('extra-registries')
    expect((thrown as InputError).message).toBe(
      "Input 'extra-registries' item 2 lists registry.cn-hangzhou.aliyuncs.com, which is already one of the Secret's main registry domains; give each registry once"
    )
    expect((thrown as InputError).message).not.toContain(SECRET)
  })

  test('Docker Hub in registry-domains and in an extra item is the same key, so the same registry', async () => {
    const extra = await parseExtraRegistries('- registry: index.docker.io\n  username: a\n  password: p\n')
    expect(() => planSecrets(inputs({ 'registry-domains': 'docker.io' }), extra)).toThrow(
      `item 1 lists ${DOCKER_HUB_KEY}`
    )
  })
})
