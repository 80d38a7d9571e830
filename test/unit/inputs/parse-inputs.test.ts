import { describe, expect, test } from '@jest/globals'
import { InputError } from '../../../src/domain/errors.js'
import { parseEndpoint, parseInputs } from '../../../src/inputs/parse-inputs.js'

const BASE: Record<string, string> = {
  'namespace-id': 'cn-hangzhou:prod',
  'secret-name': 'registry-auth',
  username: 'deployer',
  password: 's3cret'
}

function parse(overrides: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) {
  const values = { ...BASE, ...overrides }
  return parseInputs((name) => values[name] ?? '', env)
}

/** The InputError a set of inputs raises, as [input, message]. */
function rejection(overrides: Record<string, string>, env: NodeJS.ProcessEnv = {}): [string, string] {
  try {
    parse(overrides, env)
  } catch (error) {
    if (error instanceof InputError) return [error.input, error.message]
    throw error
  }
  throw new Error('expected an InputError')
}

describe('parseInputs', () => {
  test('applies the defaults action.yml declares', () => {
    const inputs = parse()
    expect(inputs).toMatchObject({
      namespaces: [{ id: 'cn-hangzhou:prod', region: 'cn-hangzhou' }],
      ifExists: 'skip',
      dryRun: false,
      maxAttempts: 4,
      timeoutSeconds: 60,
      stsEndpoint: { protocol: 'https', host: 'sts.aliyuncs.com', input: 'sts-endpoint' },
      network: 'public',
      ifUnverified: 'warn',
      credentials: { kind: 'instance-role' }
    })
    expect(inputs.endpoint).toBeUndefined()
  })

  test('network: vpc derives STS from the first namespace’s region; sts-endpoint given wins in either network', () => {
    expect(parse({ network: 'vpc', 'namespace-id': 'cn-shanghai:a, cn-hangzhou:b' }).stsEndpoint).toEqual({
      protocol: 'https',
      host: 'sts-vpc.cn-shanghai.aliyuncs.com',
      input: 'sts-endpoint',
      region: 'cn-shanghai'
    })
    expect(parse({ network: 'vpc', 'sts-endpoint': 'sts.aliyuncs.com' }).stsEndpoint).toEqual({
      protocol: 'https',
      host: 'sts.aliyuncs.com',
      input: 'sts-endpoint'
    })
  })

  test.each([
    ['network', 'private', 'must be public or vpc; got "private"'],
    ['network', 'VPC', 'must be public or vpc; got "VPC"'],
    ['if-unverified', 'error', 'must be warn or fail; got "error"']
  ])('%s: %s is an input error naming the values', (input, value, message) => {
    expect(rejection({ [input]: value })).toEqual([input, `Input '${input}' ${message}`])
  })

  test('reads several namespaces from lines and commas, in several regions', () => {
    const inputs = parse({ 'namespace-id': 'cn-hangzhou:dev, cn-hangzhou:staging\ncn-beijing\n\n' })
    expect(inputs.namespaces).toEqual([
      { id: 'cn-hangzhou:dev', region: 'cn-hangzhou' },
      { id: 'cn-hangzhou:staging', region: 'cn-hangzhou' },
      { id: 'cn-beijing', region: 'cn-beijing' }
    ])
  })

  test.each([
    [{ 'namespace-id': '' }, 'namespace-id', 'is required'],
    [{ 'namespace-id': 'prod' }, 'namespace-id', 'must be <region>:<name>'],
    [{ 'namespace-id': 'cn-hangzhou:prod:x' }, 'namespace-id', 'must be <region>:<name>'],
    [{ 'namespace-id': 'cn-hangzhou:pr od' }, 'namespace-id', 'must be <region>:<name>'],
    [{ 'namespace-id': 'cn-hangzhou:a,cn-hangzhou:a' }, 'namespace-id', 'twice'],
    [{ 'secret-name': '' }, 'secret-name', 'is required'],
    [{ 'secret-name': '1registry' }, 'secret-name', 'must start with a letter'],
    [{ 'secret-name': 'registry auth' }, 'secret-name', 'must start with a letter'],
    [{ 'secret-name': 'a'.repeat(254) }, 'secret-name', 'at most 253'],
    [{ username: '' }, 'username', 'is required'],
    [{ username: 'a:b' }, 'username', 'must not contain ":"'],
    [{ username: 'line\nbreak' }, 'username', 'one line'],
    [{ username: 'cr_temp_user' }, 'username', "ACR's temporary login"],
    [{ username: 'temp_user_cr' }, 'username', "ACR Enterprise Edition's temporary login"],
    [
      { password: 'ghs_16C7e42F292c6912E7710c838347Ae178B4a' },
      'password',
      'GitHub Actions or GitHub App installation token'
    ],
    [{ images: 'Shop/Web:1' }, 'images', 'repository names are lower-case'],
    [{ images: 'https://ghcr.io/acme/app:1' }, 'images', 'has no scheme'],
    [{ images: 'ghcr.io/acme/app:1', state: 'absent' }, 'images', 'cannot be combined with state: absent'],
    [{ 'if-in-use': 'force' }, 'if-in-use', 'must be fail or delete'],
    [{ password: '' }, 'password', 'is required'],
    [{ password: 'two\nlines' }, 'password', 'one line'],
    [{ password: 'x'.repeat(5000) }, 'password', 'at most 4096'],
    [{ 'registry-domains': 'https://registry.cn-hangzhou.aliyuncs.com' }, 'registry-domains', 'without a scheme'],
    [{ 'registry-domains': 'registry.cn-hangzhou.aliyuncs.com/ns/image' }, 'registry-domains', 'without a path'],
    [{ 'registry-domains': 'bad_host!' }, 'registry-domains', 'takes host names'],
    [{ 'registry-domains': 'registry.example.com:70000' }, 'registry-domains', 'port outside'],
    [{ 'registry-domains': 'r.example.com', 'acr-instance-name': 'acme' }, 'registry-domains', 'cannot be combined'],
    [{ 'acr-instance-name': 'Acme_Registry' }, 'acr-instance-name', 'ACR instance name'],
    [{ 'registry-region': 'hangzhou' }, 'registry-region', 'region ID'],
    [{ 'secret-type': 'Opaque' }, 'secret-type', 'must be kubernetes.io/dockerconfigjson'],
    [{ 'if-exists': 'replace' }, 'if-exists', 'must be skip, update or fail'],
    [{ 'dry-run': 'yes' }, 'dry-run', 'must be true or false'],
    [{ 'max-attempts': 'three' }, 'max-attempts', 'whole number from 1 to 10'],
    [{ 'max-attempts': '0' }, 'max-attempts', 'whole number from 1 to 10'],
    [{ 'timeout-seconds': '1.5' }, 'timeout-seconds', 'whole number from 1 to 3600'],
    [{ endpoint: 'http://sae.cn-hangzhou.aliyuncs.com' }, 'endpoint', 'http:// only for a loopback host'],
    [{ endpoint: 'ftp://127.0.0.1' }, 'endpoint', 'must use https://'],
    [{ endpoint: 'https://sae.cn-hangzhou.aliyuncs.com/path' }, 'endpoint', 'without a path'],
    [{ 'sts-endpoint': 'http://10.0.0.1:8080' }, 'sts-endpoint', 'http:// only for a loopback host'],
    [{ endpoint: 'sae cn-hangzhou' }, 'endpoint', 'must be a host name'],
    [{ 'access-key-id': 'LTAI' }, 'access-key-secret', 'is required when access-key-id is given'],
    [{ 'access-key-id': 'LTAI 5t', 'access-key-secret': 'x' }, 'access-key-id', 'must be an AccessKey ID'],
    [{ 'access-key-id': 'LTAI', 'access-key-secret': 'x\ny' }, 'access-key-secret', 'one line'],
    [{ 'oidc-provider-arn': 'acs:ram::1:oidc-provider/gh' }, 'role-to-assume', 'is required when oidc-provider-arn'],
    [
      { 'role-to-assume': 'acs:ram::1:role/r', 'oidc-provider-arn': 'github' },
      'oidc-provider-arn',
      'OIDC provider ARN'
    ],
    [
      { 'role-to-assume': 'acs:ram::1:role/r', 'oidc-provider-arn': 'acs:ram::1:oidc-provider/gh', audience: 'a\nb' },
      'audience',
      'one short line'
    ],
    [{ 'access-key-secret': 'x' }, 'access-key-id', 'is required when'],
    [
      { 'access-key-id': 'LTAI', 'access-key-secret': 'x', 'oidc-provider-arn': 'acs:ram::1:oidc-provider/gh' },
      'access-key-id',
      'not both'
    ],
    [{ 'role-to-assume': 'acs:ram:1:role/r' }, 'role-to-assume', 'RAM role ARN'],
    [
      { 'role-to-assume': 'arn:aws:iam::1:role/r', 'oidc-provider-arn': 'acs:ram::1:oidc-provider/gh' },
      'role-to-assume',
      'RAM role ARN'
    ],
    [
      {
        'role-to-assume': 'acs:ram::1:role/r',
        'oidc-provider-arn': 'acs:ram::1:oidc-provider/gh',
        'role-duration-seconds': '600'
      },
      'role-duration-seconds',
      'from 900 to 43200'
    ],
    [
      {
        'role-to-assume': 'acs:ram::1:role/r',
        'oidc-provider-arn': 'acs:ram::1:oidc-provider/gh',
        'role-session-name': 'has space'
      },
      'role-session-name',
      '2-64 letters'
    ]
  ])('rejects %j naming %s', (overrides, input, message) => {
    const [named, text] = rejection(overrides)
    expect(named).toBe(input)
    expect(text).toContain(`Input '${input}'`)
    expect(text).toContain(message)
  })

  test('never echoes the password in its errors', () => {
    const [, text] = rejection({ password: 'hunter2\nsecond-line' })
    expect(text).not.toContain('hunter2')
  })

  test('reads images from lines and commas, each once, as kubelet reads them', () => {
    const { images } = parse({ images: 'nginx:1.27, ghcr.io/acme/sidecar@sha256:' + 'a'.repeat(64) + '\n\nnginx:1.27' })
    expect(images).toEqual([
      { text: 'nginx:1.27', registry: 'docker.io', repository: 'library/nginx', tag: '1.27', reference: '1.27' },
      {
        text: `ghcr.io/acme/sidecar@sha256:${'a'.repeat(64)}`,
        registry: 'ghcr.io',
        repository: 'acme/sidecar',
        digest: `sha256:${'a'.repeat(64)}`,
        reference: `sha256:${'a'.repeat(64)}`
      }
    ])
  })

  test('if-in-use is fail unless it says delete', () => {
    expect(parse().ifInUse).toBe('fail')
    expect(parse({ state: 'absent', 'if-in-use': 'delete' }).ifInUse).toBe('delete')
  })

  test('takes registry domains exactly, lower-cased and without duplicates', () => {
    const inputs = parse({
      'registry-domains': 'Registry.Example.com:5000\nregistry.example.com:5000, mirror.example.com'
    })
    expect(inputs.registryDomains).toEqual(['registry.example.com:5000', 'mirror.example.com'])
  })

  test.each(['true', 'True', 'TRUE'])('reads dry-run %s as true', (value) => {
    expect(parse({ 'dry-run': value }).dryRun).toBe(true)
  })

  test.each(['false', 'False', 'FALSE'])('reads verify-login %s as false, though its default is true', (value) => {
    expect(parse().verifyLogin).toBe(true)
    expect(parse({ 'verify-login': value }).verifyLogin).toBe(false)
  })
})

describe('what the errors say, word for word (they are what a user reads to mend the step)', () => {
  test('an empty password says how an unset secret or a fork reaches the action', () => {
    expect(rejection({ password: '' })).toEqual([
      'password',
      "Input 'password' is required and was not supplied; if it comes from a secret, check that the secret exists for this repository " +
        '(or its organisation or environment): an unset secret, and every secret in a pull request from a fork, reaches the action as an empty string'
    ])
  })

  test('cr_temp_user says why a one-hour token breaks the next scale-out, and what to use instead', () => {
    expect(rejection({ username: 'cr_temp_user' })).toEqual([
      'username',
      "Input 'username' is cr_temp_user, ACR's temporary login: its password is a token that expires in about an hour, and SAE pulls again " +
        'at every instance start, so the Secret would stop working at the next scale-out. ' +
        "Use the registry's fixed password (ACR console, Instance, Access Credentials: Set Fixed Password) or a RAM user's credentials"
    ])
  })

  test("temp_user_cr, Enterprise Edition's temporary login, likewise", () => {
    expect(rejection({ username: 'temp_user_cr' })).toEqual([
      'username',
      "Input 'username' is temp_user_cr, ACR Enterprise Edition's temporary login: its password is a token that expires in about an hour, and SAE pulls again " +
        'at every instance start, so the Secret would stop working at the next scale-out. ' +
        "Use the registry's fixed password (ACR console, Instance, Access Credentials: Set Fixed Password) or a RAM user's credentials"
    ])
  })

  test('a ghs_ password (GITHUB_TOKEN, an App installation token) says why and what to use, never the token', () => {
    const [input, message] = rejection({ password: 'ghs_16C7e42F292c6912E7710c838347Ae178B4a' })
    expect([input, message]).toEqual([
      'password',
      "Input 'password' is a GitHub Actions or GitHub App installation token (ghs_…), which stops working when the job ends or within an hour, " +
        'and SAE pulls again at every instance start, so the Secret would stop working at the next scale-out. ' +
        'For ghcr.io, use a personal access token (classic) with read:packages, or a fine-grained one, kept in a secret'
    ])
  })

  test('a password that merely holds ghs_ later on is a password', () => {
    expect(parse({ password: 'my-ghs_password' }).password).toBe('my-ghs_password')
  })

  test('a line break in the username or password names the input, and nothing before the rule', () => {
    expect(rejection({ username: 'deploy\ner' })).toEqual([
      'username',
      "Input 'username' must be one line without control characters"
    ])
    expect(rejection({ password: 's3cret\n' })).toEqual([
      'password',
      "Input 'password' must be one line without control characters (is the secret pasted with a line break?)"
    ])
  })
})

describe('region IDs, in namespace-id and registry-region', () => {
  // Every region SAE and ACR list has a two-letter prefix, then one or more parts.
  const REGIONS = ['cn-hangzhou', 'cn-hongkong', 'ap-southeast-1', 'us-east-1', 'me-central-1', 'cn-shanghai-finance-1']

  test.each(REGIONS)('%s is a region: alone and with a name in namespace-id, and as registry-region', (region) => {
    expect(parse({ 'namespace-id': `${region}\n${region}:prod` }).namespaces).toEqual([
      { id: region, region },
      { id: `${region}:prod`, region }
    ])
    expect(parse({ 'registry-region': region }).registryRegion).toBe(region)
  })

  test.each([
    ['CN-hangzhou', 'upper case'],
    ['cn', 'a prefix alone'],
    ['cn-', 'an empty part'],
    ['cn--hangzhou', 'an empty part inside'],
    ['x-hangzhou', 'a one-letter prefix'],
    ['1cn-hangzhou', 'something before it'],
    ['cn-hangzhou!', 'something after it'],
    ['cn_hangzhou', 'an underscore for the hyphen'],
    ['cn-hang zhou', 'a space inside']
  ])('%s is not a region (%s), in namespace-id or registry-region', (region) => {
    expect(rejection({ 'namespace-id': region })).toEqual([
      'namespace-id',
      `Input 'namespace-id' must be <region>:<name> (e.g. cn-hangzhou:prod) or a region alone for its default namespace; got ${JSON.stringify(region)}`
    ])
    expect(rejection({ 'namespace-id': `${region}:prod` })[0]).toBe('namespace-id')
    expect(rejection({ 'registry-region': region })).toEqual([
      'registry-region',
      `Input 'registry-region' must be a region ID such as cn-hangzhou; got ${JSON.stringify(region)}`
    ])
  })

  test.each([' cn-hangzhou', 'cn-hangzhou ', 'cn-hangzhou\n'])(
    'registry-region %j, with white space around it, is refused (it is one value, taken as given)',
    (region) => {
      expect(rejection({ 'registry-region': region })[0]).toBe('registry-region')
    }
  )

  test('namespace-id items are trimmed, so white space around a region is no part of it', () => {
    expect(parse({ 'namespace-id': ' cn-hangzhou \n\tcn-beijing:prod ' }).namespaces).toEqual([
      { id: 'cn-hangzhou', region: 'cn-hangzhou' },
      { id: 'cn-beijing:prod', region: 'cn-beijing' }
    ])
  })
})

describe('namespace-id that names no namespace', () => {
  test.each([',', ' , ', ',,', '\n', '\n\n', ' \n , '])(
    '%j is refused as missing, never zero namespaces and a step that does nothing',
    (value) => {
      expect(rejection({ 'namespace-id': value })).toEqual([
        'namespace-id',
        "Input 'namespace-id' is required and was not supplied"
      ])
    }
  )
})

describe('bounds: the value at each bound is accepted, one past it is refused', () => {
  test('a namespace name is 1 to 64 letters, digits, "_" and "-", starting with a letter or digit', () => {
    expect(parse({ 'namespace-id': 'cn-hangzhou:a' }).namespaces).toEqual([
      { id: 'cn-hangzhou:a', region: 'cn-hangzhou' }
    ])
    expect(parse({ 'namespace-id': `cn-hangzhou:${'a'.repeat(64)}` }).namespaces).toEqual([
      { id: `cn-hangzhou:${'a'.repeat(64)}`, region: 'cn-hangzhou' }
    ])
    expect(parse({ 'namespace-id': 'cn-hangzhou:9Prod_blue-2' }).namespaces).toEqual([
      { id: 'cn-hangzhou:9Prod_blue-2', region: 'cn-hangzhou' }
    ])
    for (const name of ['', 'a'.repeat(65), '_prod', '-prod', 'prod!']) {
      expect(rejection({ 'namespace-id': `cn-hangzhou:${name}` })[1]).toContain('must be <region>:<name>')
    }
  })

  test('secret-name is at most 253 characters', () => {
    expect(parse({ 'secret-name': 'a' }).secretName).toBe('a')
    expect(parse({ 'secret-name': 'a'.repeat(253) }).secretName).toBe('a'.repeat(253))
    expect(rejection({ 'secret-name': 'a'.repeat(254) })).toEqual([
      'secret-name',
      "Input 'secret-name' is 254 characters long; at most 253"
    ])
  })

  test('acr-instance-name is 1 to 64 lower-case letters, digits and inner "-"', () => {
    for (const name of ['a', 'a-1', 'a'.repeat(64)])
      expect(parse({ 'acr-instance-name': name }).acrInstanceName).toBe(name)
    for (const name of ['a'.repeat(65), '-acme', 'acme-', 'Acme'])
      expect(rejection({ 'acr-instance-name': name })[0]).toBe('acr-instance-name')
  })

  test('any input is at most 4096 characters', () => {
    expect(parse({ password: 'x'.repeat(4096) }).password).toBe('x'.repeat(4096))
    expect(rejection({ password: 'x'.repeat(4097) })).toEqual([
      'password',
      "Input 'password' is 4097 characters long; at most 4096 are accepted"
    ])
    expect(rejection({ 'registry-domains': 'r'.repeat(4097) })).toEqual([
      'registry-domains',
      "Input 'registry-domains' is 4097 characters long; at most 4096 are accepted"
    ])
  })

  test('a rejected value is shown up to 80 characters, then cut with an ellipsis', () => {
    expect(rejection({ 'registry-region': 'X'.repeat(80) })[1]).toBe(
      `Input 'registry-region' must be a region ID such as cn-hangzhou; got "${'X'.repeat(80)}"`
    )
    expect(rejection({ 'registry-region': 'X'.repeat(81) })[1]).toBe(
      `Input 'registry-region' must be a region ID such as cn-hangzhou; got "${'X'.repeat(80)}…"`
    )
  })

  describe('registry-domains', () => {
    const HOST_253 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`
    const domains = (value: string) => parse({ 'registry-domains': value }).registryDomains

    test('a label is at most 63 characters, and neither starts nor ends with "-"', () => {
      expect(domains(`${'a'.repeat(63)}.example.com`)).toEqual([`${'a'.repeat(63)}.example.com`])
      expect(domains('registry')).toEqual(['registry'])
      expect(domains('a-1.example.com')).toEqual(['a-1.example.com'])
      for (const host of [
        `${'a'.repeat(64)}.example.com`,
        '-a.example.com',
        'a-.example.com',
        'a..example.com',
        '.example.com',
        'example.com.'
      ]) {
        expect(rejection({ 'registry-domains': host })).toEqual([
          'registry-domains',
          `Input 'registry-domains' takes host names such as registry.cn-hangzhou.aliyuncs.com; got ${JSON.stringify(host)}`
        ])
      }
    })

    test('a host name is at most 253 characters', () => {
      expect(HOST_253).toHaveLength(253)
      expect(domains(HOST_253)).toEqual([HOST_253])
      expect(rejection({ 'registry-domains': `${HOST_253}e` })[1]).toContain('takes host names')
    })

    test('a port is 1 to 65535; leading zeros are taken as given, up to five digits', () => {
      expect(domains('r.example.com:1\nr.example.com:65535\nr.example.com:00080')).toEqual([
        'r.example.com:1',
        'r.example.com:65535',
        'r.example.com:00080'
      ])
      for (const port of ['0', '00000', '65536', '99999']) {
        expect(rejection({ 'registry-domains': `r.example.com:${port}` })).toEqual([
          'registry-domains',
          `Input 'registry-domains' has a port outside 1-65535 in "r.example.com:${port}"`
        ])
      }
      for (const port of ['', '000080', '123456', '8O'])
        expect(rejection({ 'registry-domains': `r.example.com:${port}` })[1]).toContain('takes host names')
    })
  })

  test.each([
    { input: 'max-attempts', field: 'maxAttempts', min: 1, max: 10 },
    { input: 'timeout-seconds', field: 'timeoutSeconds', min: 1, max: 3600 }
  ] as const)('$input is a whole number from $min to $max', ({ input, field, min, max }) => {
    expect(parse({ [input]: String(min) })[field]).toBe(min)
    expect(parse({ [input]: String(max) })[field]).toBe(max)
    expect(parse({ [input]: `0${max}` })[field]).toBe(max)
    for (const value of [String(min - 1), String(max + 1), 'x5', '5x', '-1', '+5', ' 5', '5 ', '1e1']) {
      expect(rejection({ [input]: value })).toEqual([
        input,
        `Input '${input}' must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}`
      ])
    }
  })
})

describe('parseEndpoint', () => {
  test.each([
    [
      'sae-vpc.cn-hangzhou.aliyuncs.com',
      { protocol: 'https', host: 'sae-vpc.cn-hangzhou.aliyuncs.com', input: 'endpoint' }
    ],
    [
      'https://sae.cn-beijing.aliyuncs.com/',
      { protocol: 'https', host: 'sae.cn-beijing.aliyuncs.com', input: 'endpoint' }
    ],
    ['http://127.0.0.1:8080', { protocol: 'http', host: '127.0.0.1:8080', input: 'endpoint' }],
    ['http://localhost:9000', { protocol: 'http', host: 'localhost:9000', input: 'endpoint' }],
    ['http://[::1]:9000', { protocol: 'http', host: '[::1]:9000', input: 'endpoint' }]
  ])('reads %s', (value, expected) => {
    expect(parseEndpoint(value, 'endpoint')).toEqual(expected)
  })

  test.each(['sae.example.com:1', 'sae.example.com:65535', 'http://127.0.0.1:1', 'http://[::1]:65535'])(
    'a port from 1 to 65535 is a port: %s',
    (value) => {
      expect(() => parseEndpoint(value, 'sts-endpoint')).not.toThrow()
    }
  )

  test.each([
    'sae.example.com:0',
    'sae.example.com:65536',
    'sae.example.com:70000',
    'http://127.0.0.1:99999',
    'http://localhost:0',
    'http://[::1]:65536'
  ])('a port outside 1 to 65535 is refused before any call, as in registry-domains: %s', (value) => {
    expect(() => parseEndpoint(value, 'sts-endpoint')).toThrow(
      new InputError('sts-endpoint', `has a port outside 1-65535 in ${JSON.stringify(value)}`)
    )
  })
})

describe('state: absent needs no registry credentials, and carries none', () => {
  test('an empty username and password are accepted', () => {
    expect(parse({ state: 'absent', username: '', password: '' })).toMatchObject({
      state: 'absent',
      username: '',
      password: ''
    })
  })

  test('a username and password given anyway are dropped (the caller still masks them)', () => {
    expect(parse({ state: 'absent' })).toMatchObject({ username: '', password: '' })
  })

  test('extra-registries given anyway is dropped: a deleted Secret holds no registry', () => {
    expect(parse({ state: 'absent', 'extra-registries': '- registry: ghcr.io' }).extraRegistries).toBeUndefined()
  })

  test('an images input that lists nothing (blank lines, commas) is no images, so it is no conflict', () => {
    expect(parse({ state: 'absent', images: ' ,\n\n' }).images).toEqual([])
  })
})

describe('extra-registries with state: present', () => {
  test('is kept as given, for extra-registries.ts to read', () => {
    expect(parse({ 'extra-registries': '- registry: ghcr.io\n  username: bot' }).extraRegistries).toBe(
      '- registry: ghcr.io\n  username: bot'
    )
  })

  test('is undefined when not given', () => {
    expect(parse().extraRegistries).toBeUndefined()
  })
})

describe('the values each enumerated input accepts, and what it says of others', () => {
  test('secret-type may name the one type this action writes', () => {
    expect(() => parse({ 'secret-type': 'kubernetes.io/dockerconfigjson' })).not.toThrow()
  })

  test.each(['skip', 'update', 'fail'] as const)('if-exists: %s', (policy) => {
    expect(parse({ 'if-exists': policy }).ifExists).toBe(policy)
  })

  test('state is present or absent; anything else is named with the value given', () => {
    expect(rejection({ state: 'delete' })).toEqual(['state', `Input 'state' must be present or absent; got "delete"`])
  })

  test('verify-login that is no boolean is named as verify-login', () => {
    expect(rejection({ 'verify-login': 'yes' })).toEqual([
      'verify-login',
      `Input 'verify-login' must be true or false; got "yes"`
    ])
  })
})

describe('an endpoint scheme is read only at the start of the value', () => {
  test('a "://" further on is part of a path, refused as one', () => {
    expect(() => parseEndpoint('sae.cn-hangzhou.aliyuncs.com/ftp://mirror', 'endpoint')).toThrow(
      new InputError(
        'endpoint',
        'must be a host[:port] or a URL without a path; got "sae.cn-hangzhou.aliyuncs.com/ftp://mirror"'
      )
    )
  })
})
