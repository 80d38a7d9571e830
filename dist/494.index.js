export const id = 494;
export const ids = [494];
export const modules = {

/***/ 6494:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  assumeRole: () => (/* binding */ assumeRole),
  saeClientFactory: () => (/* binding */ saeClientFactory)
});

// EXTERNAL MODULE: ./node_modules/@alicloud/openapi-client/dist/client.js
var client = __webpack_require__(6500);
var client_default = /*#__PURE__*/__webpack_require__.n(client);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/retry.ts
var retry = __webpack_require__(9809);
;// CONCATENATED MODULE: ./src/openapi.ts



// The package is CommonJS with an ES-style default export; Node and the bundler disagree on
// which object `default` is, so accept both.
const moduleDefault = (client_default());
const Client = typeof moduleDefault === 'function' ? moduleDefault : moduleDefault.default;
/** Connection errors that happen before a request is written: the call surely did not apply. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'CERT_HAS_EXPIRED']);
/**
 * The one place that builds signed requests (through the official `@alicloud/openapi-client`,
 * ACS3-HMAC-SHA256) and turns every way a call can fail into an `ApiError` that holds no secret.
 */
class OpenApiConnection {
    settings;
    client;
    constructor(settings) {
        this.settings = settings;
        const key = settings.key;
        this.client = new Client(new client.Config({
            endpoint: settings.endpoint.host,
            protocol: settings.endpoint.protocol,
            userAgent: settings.userAgent,
            ...(key
                ? { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, securityToken: key.securityToken }
                : {})
        }));
    }
    async call(operation, query, timeoutMs) {
        const params = new client.Params({
            action: operation.action,
            version: operation.version,
            protocol: this.settings.endpoint.protocol.toUpperCase(),
            pathname: operation.pathname,
            method: operation.method,
            authType: operation.anonymous ? 'Anonymous' : 'AK',
            style: operation.style,
            reqBodyType: operation.style === 'RPC' ? 'formData' : 'json',
            bodyType: 'json'
        });
        const request = new client.OpenApiRequest({ query });
        // The SDK's own retry only covers network errors; ours (retry.ts) covers those and the API's faults.
        const runtime = { autoretry: false, readTimeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 10_000) };
        const target = `${operation.method} ${this.settings.endpoint.protocol}://${this.settings.endpoint.host}${operation.pathname}`;
        this.settings.debug?.(`${operation.action}: ${target} with ${Object.keys(query).sort().join(', ')}`);
        let response;
        try {
            response = (await this.client.callApi(params, request, runtime));
        }
        catch (error) {
            const failure = this.translate(operation.action, error);
            this.settings.debug?.(`${operation.action}: ${failure.message}`);
            throw failure;
        }
        const body = (response.body ?? {});
        const statusCode = response.statusCode ?? 200;
        this.settings.debug?.(`${operation.action}: HTTP ${statusCode}, RequestId ${stringField(body, 'RequestId') ?? 'none'}`);
        // SAE can answer 200 with Success: false; that is a failure, not a result.
        if (body.Success === false) {
            throw new errors/* ApiError */.hD({
                action: operation.action,
                code: stringField(body, 'Code') ?? stringField(body, 'ErrorCode') ?? 'UnsuccessfulResponse',
                status: statusCode,
                requestId: stringField(body, 'RequestId') ?? response.headers?.['x-acs-request-id'],
                detail: this.detail(stringField(body, 'Message'))
            });
        }
        return { statusCode, body };
    }
    /** The SDK's errors carry the request URL (with SecretData) and the whole response: keep only what is safe. */
    translate(action, error) {
        const e = error;
        if (error instanceof SyntaxError) {
            // The SDK parses every error body as JSON; a proxy's HTML page ends here with no status.
            return new errors/* ApiError */.hD({ action, code: 'NonJsonResponse' });
        }
        if (e?.data && typeof e.data === 'object' && typeof e.code === 'string') {
            const status = typeof e.data.statusCode === 'number' ? e.data.statusCode : e.statusCode;
            return new errors/* ApiError */.hD({
                action,
                code: e.code === 'undefined' || e.code === '' ? 'UnknownError' : e.code,
                status,
                requestId: stringField(e.data, 'RequestId') ?? stringField(e.data, 'requestId'),
                detail: this.detail(stringField(e.data, 'Message') ?? stringField(e.data, 'message'))
            });
        }
        const networkCode = typeof e?.code === 'string' ? e.code : e?.name?.replace(/Error$/, '');
        const isTimeout = /timeout/i.test(e?.name ?? '') || networkCode === 'ETIMEDOUT';
        return new errors/* ApiError */.hD({ action, code: isTimeout ? 'Timeout' : 'NetworkError', detail: networkCode && /^[\w.]+$/.test(networkCode) ? networkCode : undefined }, { maybeApplied: !NOT_SENT.has(String(networkCode)) });
    }
    /**
     * The API's own message, for the error line. A server may echo parameters, in full or cut
     * short where exact-match redaction cannot see them, so long opaque runs (base64,
     * percent-encoded data) go too: no API message needs one to be understood.
     */
    detail(message) {
        if (message === undefined)
            return undefined;
        return this.settings.redactor
            .redact(message)
            .replace(/[A-Za-z0-9+/=%_-]{40,}/g, '[redacted]')
            .replace(/\s+/g, ' ')
            .slice(0, 300);
    }
}
function stringField(body, name) {
    const value = body[name];
    return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}
/** Longest a single attempt may wait for an answer, so a hung connection leaves time to retry. */
const ATTEMPT_TIMEOUT_MS = 20_000;
/**
 * One API call with retries. Marks the final error when any attempt may have been applied without
 * its answer arriving, so a later AlreadyExist can be recognised as our own write.
 */
async function callWithRetries(connection, operation, query, { policy, clock, onRetry }) {
    let uncertain = false;
    try {
        return await (0,retry/* withRetry */.bD)(async () => {
            const remaining = policy.deadline - clock.now();
            if (remaining <= 0)
                throw new errors/* ApiError */.hD({ action: operation.action, code: 'Timeout' });
            try {
                return await connection.call(operation, query, Math.min(remaining, ATTEMPT_TIMEOUT_MS));
            }
            catch (error) {
                if (error instanceof errors/* ApiError */.hD && error.maybeApplied)
                    uncertain = true;
                throw error;
            }
        }, policy, clock, onRetry);
    }
    catch (error) {
        if (error instanceof errors/* ApiError */.hD)
            error.priorAttemptMaybeApplied = uncertain;
        throw error;
    }
}

;// CONCATENATED MODULE: ./src/sae-client.ts


const VERSION = '2019-05-06';
const SECRET_PATH = '/pop/v1/sam/secret/secret';
const OPERATIONS = {
    CreateSecret: { action: 'CreateSecret', method: 'POST', pathname: SECRET_PATH },
    UpdateSecret: { action: 'UpdateSecret', method: 'PUT', pathname: SECRET_PATH },
    DescribeSecret: { action: 'DescribeSecret', method: 'GET', pathname: SECRET_PATH },
    ListSecrets: { action: 'ListSecrets', method: 'GET', pathname: '/pop/v1/sam/secret/secrets' }
};
/** SAE's Secret API (version 2019-05-06, ROA), with retries for the faults where retrying is right. */
class SaeSecretsClient {
    connection;
    retry;
    constructor(connection, retry) {
        this.connection = connection;
        this.retry = retry;
    }
    async listSecrets(namespaceId) {
        const data = await this.invoke(OPERATIONS.ListSecrets, { NamespaceId: namespaceId });
        const secrets = Array.isArray(data.Secrets) ? data.Secrets : [];
        return secrets.map(summary);
    }
    async describeSecret(namespaceId, secretId) {
        const data = await this.invoke(OPERATIONS.DescribeSecret, { NamespaceId: namespaceId, SecretId: String(secretId) });
        const stored = data.SecretData && typeof data.SecretData === 'object' ? data.SecretData : {};
        return { ...summary(data), data: stored };
    }
    async createSecret(namespaceId, secretName, secretType, secretData) {
        const data = await this.invoke(OPERATIONS.CreateSecret, {
            NamespaceId: namespaceId,
            SecretName: secretName,
            SecretType: secretType,
            SecretData: secretData
        });
        return secretIdOf(data, 'CreateSecret');
    }
    async updateSecret(namespaceId, secretId, secretData) {
        const data = await this.invoke(OPERATIONS.UpdateSecret, {
            NamespaceId: namespaceId,
            SecretId: String(secretId),
            SecretData: secretData
        });
        return secretIdOf(data, 'UpdateSecret', secretId);
    }
    async invoke(operation, query) {
        const response = await callWithRetries(this.connection, { ...operation, version: VERSION, style: 'ROA' }, query, this.retry);
        const data = response.body.Data;
        return data && typeof data === 'object' ? data : {};
    }
}
function summary(item) {
    return {
        secretId: Number(item.SecretId),
        secretName: stringField(item, 'SecretName') ?? '',
        secretType: stringField(item, 'SecretType') ?? ''
    };
}
function secretIdOf(data, action, fallback) {
    const id = Number(data.SecretId ?? fallback);
    if (!Number.isSafeInteger(id))
        throw new errors/* ApiError */.hD({ action, code: 'MalformedResponse', status: 200, detail: 'no SecretId in Data' });
    return id;
}

;// CONCATENATED MODULE: ./src/sts.ts


const ASSUME_ROLE_WITH_OIDC = {
    action: 'AssumeRoleWithOIDC',
    version: '2015-04-01',
    style: 'RPC',
    method: 'POST',
    pathname: '/',
    // The ID token is the proof; STS takes this call unsigned.
    anonymous: true
};
/**
 * Exchanges a GitHub ID token for temporary keys. Done through the OpenAPI client rather than
 * @alicloud/credentials' OIDC provider, which reads the token only from a file: the token never
 * touches the disk this way.
 */
async function assumeRoleWithOidc(connection, role, idToken, retry) {
    const response = await callWithRetries(connection, ASSUME_ROLE_WITH_OIDC, {
        RoleArn: role.roleArn,
        OIDCProviderArn: role.oidcProviderArn,
        OIDCToken: idToken,
        RoleSessionName: role.roleSessionName,
        DurationSeconds: String(role.durationSeconds)
    }, retry);
    const credentials = (response.body.Credentials ?? {});
    const accessKeyId = stringField(credentials, 'AccessKeyId');
    const accessKeySecret = stringField(credentials, 'AccessKeySecret');
    const securityToken = stringField(credentials, 'SecurityToken');
    if (!accessKeyId || !accessKeySecret || !securityToken) {
        throw new errors/* ApiError */.hD({
            action: 'AssumeRoleWithOIDC',
            code: 'MalformedResponse',
            status: response.statusCode,
            requestId: stringField(response.body, 'RequestId'),
            detail: 'no Credentials in the answer'
        });
    }
    return { accessKeyId, accessKeySecret, securityToken };
}

;// CONCATENATED MODULE: ./src/clients.ts



/** One SAE client per endpoint, so namespaces in one region share a connection pool. */
function saeClientFactory(key, settings) {
    const clients = new Map();
    return (endpoint) => {
        const id = `${endpoint.protocol}://${endpoint.host}`;
        let client = clients.get(id);
        if (!client) {
            const connection = new OpenApiConnection({ endpoint, key, userAgent: settings.userAgent, redactor: settings.redactor, debug: settings.debug });
            client = new SaeSecretsClient(connection, settings.retry);
            clients.set(id, client);
        }
        return client;
    };
}
function assumeRole(endpoint, role, idToken, settings) {
    const connection = new OpenApiConnection({ endpoint, userAgent: settings.userAgent, redactor: settings.redactor, debug: settings.debug });
    return assumeRoleWithOidc(connection, role, idToken, settings.retry);
}


/***/ })

};
