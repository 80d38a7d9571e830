// One run of the bundle inside a network namespace of the test's own (netns.mjs `inOwnNetwork`): the
// metadata address set up as the scenario says, the fake metadata service on 100.100.100.200:80 when
// asked for, the SAE emulator on the namespace's loopback, then dist/index.js as the runner runs it
// (runAction's leak and mask checks included). Prints one JSON line: the run, what the fakes saw.
// The config (argv[2], JSON):
//   metadata: 'absent' | 'address' | 'blackhole'; service: fake-metadata options, or absent for none;
//   roles: the emulator's AssumeRole roles, each trusting the metadata key when `trusts` is 'metadata';
//   inputs, env: the step's, with "$SAE" in a value replaced by the emulator's origin.
import { startFakeMetadata } from '../emulator/fake-metadata.mjs'
import { startEmulator } from '../emulator/sae-emulator.mjs'
import { runAction } from './action-runner.mjs'
import { METADATA_ADDRESS, setUpOwnNetwork } from './netns.mjs'

const config = JSON.parse(process.argv[2] ?? '{}')
let service
let sae
try {
  setUpOwnNetwork(config.metadata)
  service = config.service
    ? await startFakeMetadata({ ...config.service, host: METADATA_ADDRESS, port: 80 })
    : undefined
  const roles = (config.roles ?? []).map((role) =>
    role.trusts === 'metadata' ? { ...role, trusts: [service.key.accessKeyId] } : role
  )
  sae = await startEmulator({ keys: service ? [service.key] : [], namespaces: config.namespaces ?? [], roles })
  const fill = (values) =>
    Object.fromEntries(
      Object.entries(values ?? {}).map(([name, value]) => [name, value.replaceAll('$SAE', sae.origin)])
    )
  const issued = () => ({
    ...(service
      ? {
          'metadata session token': service.sessionToken,
          'instance role secret': service.key.accessKeySecret,
          'instance role token': service.key.securityToken
        }
      : {}),
    ...Object.fromEntries(
      sae.issuedKeys.flatMap((key, index) => [
        [`STS secret ${index + 1}`, key.accessKeySecret],
        [`STS token ${index + 1}`, key.securityToken]
      ])
    )
  })
  // The instance's key and what STS issues were learnt mid-run: masked before any line showed them.
  const succeeded = (config.expect ?? 'success') === 'success'
  const run = await runAction({
    inputs: fill(config.inputs),
    env: fill(config.env),
    ownNetwork: true,
    expectMasked: succeeded ? issued : {}
  })
  console.log(
    JSON.stringify({
      run: { code: run.code, errors: run.errors, visible: run.visible, outputs: run.outputs, elapsedMs: run.elapsedMs },
      metadataRequests: service?.requests ?? [],
      calls: sae.calls().map((call) => ({
        action: call.action,
        status: call.status,
        code: call.code,
        // Who signed: the V3 Credential, or the RPC AccessKeyId.
        signer: /Credential=([^,]+)/.exec(call.headers.authorization ?? '')?.[1] ?? call.query.AccessKeyId
      })),
      instanceKeyId: service?.key.accessKeyId
    })
  )
} catch (error) {
  console.log(JSON.stringify({ error: String(error?.stack ?? error) }))
} finally {
  await Promise.all([sae?.stop(), service?.stop()])
}
