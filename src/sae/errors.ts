// What the provisioning policy refuses to do in a namespace, and why: each a failure the user can act on.
import { ActionError } from '../domain/errors.js'
import type { RelatedApp } from '../domain/model.js'

/** The Secret exists and `if-exists: fail` says that is an error. */
export class SecretExistsError extends ActionError {
  readonly code = 'SecretNameConflict.AlreadyExist'
  constructor(secretName: string, namespaceId: string, secretId?: number) {
    super(
      `Secret '${secretName}' already exists in namespace ${namespaceId}` +
        (secretId === undefined ? '' : ` (SecretId ${secretId})`) +
        ` and if-exists is 'fail'; set if-exists to skip or update, or choose another secret-name`
    )
    this.name = 'SecretExistsError'
  }
}

/** A Secret of this name exists but is not an image-pull Secret: SAE could not pull with it, and it is never deleted. */
export class SecretTypeMismatchError extends ActionError {
  readonly code = 'SecretTypeMismatch'
  constructor(secretName: string, namespaceId: string, secretId: number, actualType: string) {
    super(
      `Secret '${secretName}' (SecretId ${secretId}) in namespace ${namespaceId} has type ${actualType}, ` +
        `not kubernetes.io/dockerconfigjson; this action neither uses nor deletes it: choose another secret-name`
    )
    this.name = 'SecretTypeMismatchError'
  }
}

/** Applications use the Secret and `if-in-use` is `fail`: deleting it would break their next instance start. */
export class SecretInUseError extends ActionError {
  readonly code = 'SecretInUse'
  constructor(
    secretName: string,
    namespaceId: string,
    /** The Secret left in place, and the applications that use it: the summary's row names them. */
    readonly secretId: number,
    readonly relatedApps: RelatedApp[]
  ) {
    super(
      `Secret '${secretName}' (SecretId ${secretId}) in namespace ${namespaceId} is used by ${describeApps(relatedApps)}: ` +
        'their next instance start could not pull images without it, so nothing was deleted in this namespace. ' +
        'Point those applications at another Secret first, or set if-in-use: delete to delete it anyway'
    )
    this.name = 'SecretInUseError'
  }
}

/** `AppName (AppId)` for up to ten applications, then how many more. */
export function describeApps(apps: RelatedApp[]): string {
  const shown = apps.slice(0, 10).map((app) => `${app.appName} (${app.appId})`)
  const more = apps.length > 10 ? ` and ${apps.length - 10} more` : ''
  const count = apps.length === 1 ? '1 application' : `${apps.length} applications`
  return `${count}: ${shown.join(', ')}${more}`
}
