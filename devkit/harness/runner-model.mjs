// A model of how the GitHub Actions runner (actions/runner, Runner.Worker) reads one step's stdout:
// which lines become workflow commands, what `::stop-commands::` does, which values get masked
// (and when), and what the step log finally shows. Plain ESM, no dependencies.
//
// Written from a reading of actions/runner at commit
//   258d6c857db3519913f7deb6004b60172f8043ae  (2026-08-17, "Bump github/codeql-action from 4.37.5 to 4.37.7 (#4637)")
// No runner code is copied; every rule below cites the file and function (and line at that
// commit) it models. Paths are relative to the runner repository root.
//
// The pipeline modelled, per stdout line:
//   ProcessInvoker.StartReadStream (src/Runner.Sdk/ProcessInvoker.cs:507-529) splits the byte
//     stream with StreamReader.ReadLine: a line ends at "\n", "\r" or "\r\n".
//   OutputManager.OnDataReceived (src/Runner.Worker/Handlers/OutputManager.cs:77-170): a line that
//     contains "##[" or "::" goes to ActionCommandManager.TryProcessCommand; if that returns true the
//     line is consumed (not logged as text). Otherwise "##[start-action"/"##[end-action" are defanged
//     (lines 93-99), problem matchers run (not modelled: none are registered by default), and the
//     line is logged with ExecutionContext.Output -> Write, which masks it (ExecutionContext.cs:1099-1120).
//   ActionCommandManager.TryProcessCommand (src/Runner.Worker/ActionCommandManager.cs:61-154):
//     TryParseV2, then legacy TryParse (src/Runner.Common/ActionCommand.cs:51-189); stop/resume;
//     dispatch to the command extension.
//   The SecretMasker (src/Sdk/DTLogging/Logging/SecretMasker.cs) with the value encoders HostContext
//     registers (src/Runner.Common/HostContext.cs:103-113, ValueEncoders.cs).
//
// Known simplifications (see docs/sae-api.md, "How the runner reads a step's output"):
//   - .NET string.IndexOf(string)/StartsWith(string) in ActionCommand.cs and OutputManager.cs:83 are
//     culture-sensitive (ICU on Linux/macOS runners). This model matches ordinally. They differ only
//     for text holding ICU-ignorable code points (U+00AD, U+200B..., NUL) or combining marks next to
//     the "::"/"##[" markers; there, ICU's offsets no longer line up with the code's fixed
//     `Prefix.Length`, which generally makes the name unparseable (a command not run), not the reverse.
//   - stderr is read by a second OutputManager sharing the same ActionCommandManager
//     (NodeScriptActionHandler.cs:157-161): commands on stderr count too. readAsRunner takes stdout only.
//   - add-matcher / remove-matcher (file I/O), internal-set-repo-path, problem matchers, telemetry and
//     exception stack traces in debug lines are not modelled beyond "processed".

/** The runner commit this model was written from. */
export const RUNNER_COMMIT = '258d6c857db3519913f7deb6004b60172f8043ae'

// ActionCommand.cs:35-36
const PREFIX = '##['
const COMMAND_KEY = '::'

/**
 * The command names the runner registers for a step (ActionCommandManager.Initialize, lines 30-47:
 * "stop-commands" plus every IActionCommandExtension; the list of extensions is
 * ExtensionManager.cs:42-57). internal-set-repo-path is registered only while a runner plugin runs
 * (EnablePluginInternalCommand, lines 49-53; the `if` at line 42).
 */
export const KNOWN_COMMANDS = [
  'stop-commands',
  'set-env', // SetEnvCommandExtension: throws unless ACTIONS_ALLOW_UNSECURE_COMMANDS (lines 234-306)
  'set-output', // SetOutputCommandExtension (308-359)
  'save-state', // SaveStateCommandExtension (361-418)
  'add-path', // AddPathCommandExtension: throws unless ACTIONS_ALLOW_UNSECURE_COMMANDS (453-493)
  'add-mask', // AddMaskCommandExtension (420-451)
  'add-matcher', // AddMatcherCommandExtension (495-540)
  'remove-matcher', // RemoveMatcherCommandExtension (542-608)
  'warning', // WarningCommandExtension (623-628)
  'error', // ErrorCommandExtension (630-635)
  'notice', // NoticeCommandExtension (637-642)
  'debug', // DebugCommandExtension (610-621)
  'group', // GroupCommandExtension (785-788)
  'endgroup', // EndGroupCommandExtension (790-793)
  'echo' // EchoCommandExtension (809-834)
]

/** OmitEcho of each extension: echoed (when echo is on) unless true (ActionCommandManager.cs:128). */
const OMIT_ECHO = { 'add-mask': true, debug: true, warning: true, error: true, notice: true }

// Constants.cs:235-236 (messages), 310-311 (variable names).
const UNSUPPORTED_COMMAND_DISABLED = (name) =>
  `The \`${name}\` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the \`ACTIONS_ALLOW_UNSECURE_COMMANDS\` environment variable to \`true\`. For more information see: https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/`
const UNSUPPORTED_COMMAND_DEPRECATED = (name) =>
  `The \`${name}\` command is deprecated and will be disabled soon. Please upgrade to using Environment Files. For more information see: https://github.blog/changelog/2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/`
const UNSUPPORTED_STOP_TOKEN =
  "You cannot use a endToken that is an empty string, the string 'pause-logging', or another workflow command. For more information see: https://docs.github.com/actions/learn-github-actions/workflow-commands-for-github-actions#example-stopping-and-starting-workflow-commands or opt into insecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS` environment variable to `true`."

// ExecutionContext.cs:144,146 and WellKnownTags (ExecutionContext.cs:1687-1691).
const MAX_ISSUE_MESSAGE_LENGTH = 4096
const MAX_COUNT_PER_ISSUE_TYPE = 10
const TAGS = {
  error: '##[error]',
  warning: '##[warning]',
  notice: '##[notice]',
  debug: '##[debug]',
  command: '##[command]'
}

// ---------------------------------------------------------------------------------------------
// .NET string primitives the runner relies on.

/** Char.IsWhiteSpace: Unicode Zs/Zl/Zp, U+0009-U+000D, U+0085 (used by TrimStart/Trim/TrimEntries/IsNullOrWhiteSpace). */
const WS = /[\t\n\v\f\r\u0085\p{Zs}\u2028\u2029]/u
const isWhiteSpace = (ch) => WS.test(ch)
export function dotnetTrimStart(text) {
  let i = 0
  while (i < text.length && isWhiteSpace(text[i])) i++
  return text.slice(i)
}
export function dotnetTrim(text) {
  let end = text.length
  while (end > 0 && isWhiteSpace(text[end - 1])) end--
  return dotnetTrimStart(text.slice(0, end))
}
const isNullOrWhiteSpace = (text) => text == null || dotnetTrim(text) === ''

/**
 * String.Split(char[] separators, int count, StringSplitOptions) as .NET 5+ implements it
 * (SplitWithPostProcessing): with RemoveEmptyEntries, empty pieces are dropped, and once count-1
 * pieces are taken, empty pieces before the rest are skipped, the rest is the last piece.
 * So "k==v".Split('=', 2, RemoveEmpty) is ["k", "v"] and "=v" gives ["v"].
 */
export function dotnetSplit(text, separators, { count = Infinity, removeEmpty = false, trim = false } = {}) {
  const seps = []
  for (let i = 0; i < text.length; i++) if (separators.includes(text[i])) seps.push(i)
  const piece = (from, to) => (trim ? dotnetTrim(text.slice(from, to)) : text.slice(from, to))
  if (count <= 1 || text.length === 0) {
    if (count === 0) return []
    const whole = trim ? dotnetTrim(text) : text
    return removeEmpty && whole === '' ? [] : [whole]
  }
  const out = []
  let current = 0
  for (let i = 0; i < seps.length; i++) {
    const entry = piece(current, seps[i])
    if (entry !== '' || !removeEmpty) out.push(entry)
    current = seps[i] + 1
    if (out.length === count - 1) {
      if (removeEmpty) {
        while (++i < seps.length) {
          if (piece(current, seps[i]) !== '') break
          current = seps[i] + 1
        }
      }
      break
    }
  }
  const last = piece(current, text.length)
  if (last !== '' || !removeEmpty) out.push(last)
  return out
}

/** Sequential ordinal String.Replace(replacement, token), in the mapping order (ActionCommand.cs:191-257). */
const unescapeWith = (mappings) => (escaped) => {
  if (escaped == null || escaped === '') return ''
  let text = escaped
  for (const [token, replacement] of mappings) text = text.split(replacement).join(token)
  return text
}
/** Legacy `##[` commands, data and properties: ActionCommand._escapeMappings (lines 9-16), Unescape (191-205). */
export const unescapeLegacy = unescapeWith([
  [';', '%3B'],
  ['\r', '%0D'],
  ['\n', '%0A'],
  [']', '%5D'],
  ['%', '%25']
])
/** `::` commands' data: _escapeDataMappings (18-23), UnescapeData (243-257). */
export const unescapeData = unescapeWith([
  ['\r', '%0D'],
  ['\n', '%0A'],
  ['%', '%25']
])
/** `::` commands' property values: _escapePropertyMappings (25-32), UnescapeProperty (227-241). */
export const unescapeProperty = unescapeWith([
  ['\r', '%0D'],
  ['\n', '%0A'],
  [':', '%3A'],
  [',', '%2C'],
  ['%', '%25']
])

/**
 * StringUtil.ConvertToBoolean (src/Runner.Sdk/Util/StringUtil.cs:46-66): "1", "true", "$true" (any
 * case) are true; used for ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS (ActionCommandManager.cs:164-168).
 */
export const convertToBoolean = (value) => ['1', 'true', '$true'].includes(String(value ?? '').toLowerCase())
/** bool.TryParse: only "true"/"false" (any case, surrounding whitespace allowed); used for ACTIONS_ALLOW_UNSECURE_COMMANDS (lines 243-255, 462-474). */
export const boolTryParse = (value) => dotnetTrim(String(value ?? '')).toLowerCase() === 'true'

/** A case-insensitive (OrdinalIgnoreCase) dictionary, as ActionCommand.Properties (line 34). */
class Properties {
  constructor() {
    this.map = new Map()
  }
  set(key, value) {
    const k = key.toUpperCase()
    const existing = this.map.get(k)
    // The indexer keeps the key as first inserted and replaces the value.
    this.map.set(k, { key: existing ? existing.key : key, value })
  }
  get(key) {
    return this.map.get(key.toUpperCase())?.value
  }
  has(key) {
    return this.map.has(key.toUpperCase())
  }
  delete(key) {
    this.map.delete(key.toUpperCase())
  }
  toObject() {
    return Object.fromEntries([...this.map.values()].map(({ key, value }) => [key, value]))
  }
}

/** A set of command names compared OrdinalIgnoreCase (ActionCommandManager.cs:25). */
class NameSet {
  constructor(names = []) {
    this.set = new Set(names.map((n) => n.toUpperCase()))
  }
  has(name) {
    return this.set.has(name.toUpperCase())
  }
  add(name) {
    this.set.add(name.toUpperCase())
  }
  delete(name) {
    this.set.delete(name.toUpperCase())
  }
}
const asNameSet = (registered) => (registered instanceof NameSet ? registered : new NameSet([...registered]))

// ---------------------------------------------------------------------------------------------
// Parsing (ActionCommand.cs)

/**
 * ActionCommand.TryParseV2 (ActionCommand.cs:51-119): `::name k=v,k2=v2::data`.
 * The line is TrimStart-ed (line 62) and must then start with "::" (63); the command info ends at the
 * next "::" searched from index 2 (69); the name is the info up to its first space (80-84) and must be
 * a registered command, compared case-insensitively (86-94); properties are the rest of the info,
 * Trim-ed (99), split on ',' dropping empties (100), each split on '=' into at most 2 pieces dropping
 * empties (103), kept only when 2 pieces remain (104-107), the value unescaped with UnescapeProperty;
 * data is everything after the second "::", unescaped with UnescapeData (111). Any exception: false.
 * @returns {{command: string, properties: Record<string,string>, data: string, form: 'v2'} | null}
 */
export function tryParseV2(message, registered) {
  if (message == null || message === '') return null
  const names = asNameSet(registered)
  const text = dotnetTrimStart(message)
  if (!text.startsWith(COMMAND_KEY)) return null
  const endIndex = text.indexOf(COMMAND_KEY, COMMAND_KEY.length)
  if (endIndex < 0) return null
  const cmdInfo = text.slice(COMMAND_KEY.length, endIndex)
  const spaceIndex = cmdInfo.indexOf(' ')
  const name = spaceIndex < 0 ? cmdInfo : cmdInfo.slice(0, spaceIndex)
  // `new ActionCommand(name)` would throw on an empty name (ArgUtil.NotNullOrEmpty, line 40) -> caught -> false;
  // an empty name is never registered anyway.
  if (name === '' || !names.has(name)) return null
  const properties = new Properties()
  if (spaceIndex > 0) {
    const propertiesStr = dotnetTrim(cmdInfo.slice(spaceIndex + 1))
    for (const propertyStr of dotnetSplit(propertiesStr, [','], { removeEmpty: true })) {
      const pair = dotnetSplit(propertyStr, ['='], { count: 2, removeEmpty: true })
      if (pair.length === 2) properties.set(pair[0], unescapeProperty(pair[1]))
    }
  }
  return {
    command: name,
    properties: properties.toObject(),
    propertyMap: properties,
    data: unescapeData(text.slice(endIndex + COMMAND_KEY.length)),
    form: 'v2'
  }
}

/**
 * ActionCommand.TryParse, the legacy form (ActionCommand.cs:121-189): `##[name k=v;k2=v2]data`
 * found ANYWHERE in the line (IndexOf, line 132; no trimming). The info ends at the first ']' after
 * the prefix (139); the name is the info up to its first space (150-154), registered (156-164);
 * properties: the rest of the info, NOT trimmed (169), split on ';' dropping empties (170), each split
 * on '=' into at most 2 dropping empties (173), kept when 2 (174-177), unescaped with Unescape
 * (%3B %0D %0A %5D %25); data: everything after the ']' (181), unescaped the same way.
 */
export function tryParseLegacy(message, registered) {
  if (message == null || message === '') return null
  const names = asNameSet(registered)
  const prefixIndex = message.indexOf(PREFIX)
  if (prefixIndex < 0) return null
  const rbIndex = message.indexOf(']', prefixIndex)
  if (rbIndex < 0) return null
  const cmdIndex = prefixIndex + PREFIX.length
  const cmdInfo = message.slice(cmdIndex, rbIndex)
  const spaceIndex = cmdInfo.indexOf(' ')
  const name = spaceIndex < 0 ? cmdInfo : cmdInfo.slice(0, spaceIndex)
  if (name === '' || !names.has(name)) return null
  const properties = new Properties()
  if (spaceIndex > 0) {
    const propertiesStr = cmdInfo.slice(spaceIndex + 1)
    for (const propertyStr of dotnetSplit(propertiesStr, [';'], { removeEmpty: true })) {
      const pair = dotnetSplit(propertyStr, ['='], { count: 2, removeEmpty: true })
      if (pair.length === 2) properties.set(pair[0], unescapeLegacy(pair[1]))
    }
  }
  return {
    command: name,
    properties: properties.toObject(),
    propertyMap: properties,
    data: unescapeLegacy(message.slice(rbIndex + 1)),
    form: 'legacy'
  }
}

/**
 * IssueCommandExtension.ValidateLinesAndColumns (ActionCommandManager.cs:716-772), applied to a
 * parsed command's property map in place.
 */
export function validateLinesAndColumns(props) {
  const int = (v) =>
    v !== undefined && /^\s*[+-]?\d+\s*$/.test(v) && Math.abs(Number(v)) <= 2147483647 ? Number(v) : undefined
  let line = props.get('line')
  const endLine = props.get('endLine')
  let column = props.get('col')
  const endColumn = props.get('endColumn')
  let hasStartLine = int(line) !== undefined
  const hasEndLine = int(endLine) !== undefined
  let hasStartColumn = int(column) !== undefined
  const hasEndColumn = int(endColumn) !== undefined
  const hasColumn = hasStartColumn || hasEndColumn
  if (hasEndLine && !hasStartLine) {
    props.set('line', endLine)
    hasStartLine = true
    line = endLine
  }
  if (hasEndColumn && !hasStartColumn) {
    props.set('col', endColumn)
    hasStartColumn = true
    column = endColumn
  }
  if (!hasStartLine && hasColumn) {
    props.delete('col')
    props.delete('endColumn')
  }
  if (hasEndLine && line !== endLine && hasColumn) {
    props.delete('col')
    props.delete('endColumn')
  }
  if (hasStartLine && hasEndLine && int(endLine) < int(line)) {
    props.delete('line')
    props.delete('endLine')
  }
  if (hasStartColumn && hasEndColumn && int(endColumn) < int(column)) {
    props.delete('col')
    props.delete('endColumn')
  }
  return props
}

// ---------------------------------------------------------------------------------------------
// The SecretMasker and its value encoders.

const utf8 = (text) => Buffer.from(text, 'utf8')
const base64 = (bytes) => Buffer.from(bytes).toString('base64')

/** Newtonsoft JsonConvert.ToString(string) minus its quotes (ValueEncoders.JsonStringEscape, ValueEncoders.cs:52-58). */
function newtonsoftEscape(value) {
  let out = ''
  for (const ch of value) {
    const c = ch.codePointAt(0)
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\f') out += '\\f'
    else if (ch === '\b') out += '\\b'
    else if (c < 0x20 || c === 0x85 || c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16).padStart(4, '0')
    else out += ch
  }
  return out
}

/** Uri.EscapeDataString: RFC 3986 unreserved kept, everything else %XX of its UTF-8 bytes (ValueEncoders.cs:60-63,161-188). */
function uriDataEscape(value) {
  let out = ''
  for (const byte of utf8(value)) {
    const ch = String.fromCharCode(byte)
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

function base64Shift(value, shift) {
  const bytes = utf8(value)
  return base64(bytes.length > shift ? bytes.subarray(shift) : bytes)
}

/** The encoders HostContext registers, in its order (HostContext.cs:103-113; ValueEncoders.cs). */
export const VALUE_ENCODERS = {
  Base64StringEscape: (v) => base64(utf8(v)), // ValueEncoders.cs:16-19
  Base64StringEscapeShift1: (v) => base64Shift(v, 1), // 31-34, 146-159
  Base64StringEscapeShift2: (v) => base64Shift(v, 2), // 36-39
  CommandLineArgumentEscape: (v) => v.split('"').join('\\"'), // 42-45
  ExpressionStringEscape: (v) => v.split("'").join("''"), // 47-50 -> ExpressionUtility.StringEscape (DTExpressions2 .../ExpressionUtility.cs:260-263)
  JsonStringEscape: newtonsoftEscape, // 52-58
  UriDataEscape: uriDataEscape, // 60-63
  XmlDataEscape: (v) =>
    v.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]), // 65-68 SecurityElement.Escape
  TrimDoubleQuotes: (v) => (v.length > 8 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : ''), // 70-82
  PowerShellPreAmpersandEscape: (v) => {
    // 84-116
    if (!v.includes('&')) return ''
    const section = v.includes('&+') ? v.slice(0, v.indexOf('&+') + 2) : v.slice(0, v.lastIndexOf('&') + 1)
    return section.length >= 6 ? section : ''
  },
  PowerShellPostAmpersandEscape: (v) => {
    // 118-144
    if (!v.includes('&')) return ''
    let section = ''
    if (v.includes('&+')) {
      if (v.length > v.indexOf('&+') + 2 + 1) section = v.slice(v.indexOf('&+') + 2 + 1)
    } else section = v.slice(v.lastIndexOf('&') + 1)
    return section.length >= 6 ? section : ''
  }
}

/** SecretMasker (src/Sdk/DTLogging/Logging/SecretMasker.cs) with HostContext's encoders. */
export class SecretMasker {
  constructor(encoders = Object.values(VALUE_ENCODERS)) {
    this.encoders = encoders
    this.originals = new Set()
    this.values = new Set()
  }

  /** AddValue (lines 78-143): empty ignored; an original seen before ignored; else it and each non-empty encoding. */
  addValue(value) {
    if (value == null || value === '') return false
    if (this.originals.has(value)) return false
    this.originals.add(value)
    this.values.add(value)
    for (const encode of this.encoders) {
      const encoded = encode(value)
      if (encoded) this.values.add(encoded)
    }
    return true
  }

  /**
   * MaskSecrets (lines 216-297): every (overlapping) ordinal occurrence of every value
   * (ValueSecret.GetPositions, ValueSecret.cs:27-44), ranges merged when they overlap or touch
   * (Start <= current End, line 267), each range replaced by "***".
   */
  mask(input) {
    if (input == null || input === '') return ''
    const positions = []
    for (const value of this.values) {
      for (
        let at = input.indexOf(value);
        at !== -1 && input.length - at >= value.length;
        at = input.indexOf(value, at + 1)
      )
        positions.push([at, at + value.length])
    }
    if (positions.length === 0) return input
    positions.sort((a, b) => a[0] - b[0])
    const merged = []
    for (const [start, end] of positions) {
      const last = merged[merged.length - 1]
      if (last && start <= last[1]) last[1] = Math.max(last[1], end)
      else merged.push([start, end])
    }
    let out = ''
    let from = 0
    for (const [start, end] of merged) {
      out += input.slice(from, start) + '***'
      from = end
    }
    return out + input.slice(from)
  }
}

// ---------------------------------------------------------------------------------------------
// Line splitting (ProcessInvoker.StartReadStream -> StreamReader.ReadLine)

/** StreamReader.ReadLine: "\n", "\r" and "\r\n" end a line; a final unterminated piece is a line; no empty line after a final terminator. */
export function splitLines(stream) {
  const lines = []
  let current = ''
  for (let i = 0; i < stream.length; i++) {
    const ch = stream[i]
    if (ch === '\n' || ch === '\r') {
      lines.push(current)
      current = ''
      if (ch === '\r' && stream[i + 1] === '\n') i++
    } else current += ch
  }
  if (current !== '') lines.push(current)
  return lines
}

// ---------------------------------------------------------------------------------------------
// One step: ActionCommandManager + OutputManager + ExecutionContext logging.

export class StepModel {
  /**
   * @param {object} [options]
   * @param {boolean} [options.stepDebug] ACTIONS_STEP_DEBUG: debug lines are logged (ExecutionContext Debug, ExecutionContext.cs:1523-1536)
   *   and echo starts on (EchoOnActionCommand = Step_Debug, ExecutionContext.cs:1083). Default false.
   * @param {boolean} [options.echo] override the initial echo state.
   * @param {boolean} [options.enhancedAnnotations] DistributedTask.EnhancedAnnotations (ActionCommandManager.cs:76-80,190-193); default true (github.com).
   * @param {boolean} [options.deprecateStepOutputCommands] DistributedTask.DeprecateStepOutputCommands (lines 317-326, 370-379); default true (github.com shows the warning).
   * @param {string} [options.allowUnsecureCommands] ACTIONS_ALLOW_UNSECURE_COMMANDS value (bool.TryParse).
   * @param {string} [options.allowUnsecureStopTokens] ACTIONS_ALLOW_UNSECURE_STOPCOMMAND_TOKENS value (ConvertToBoolean).
   * @param {string[]} [options.secrets] values the runner already masks (job secrets, GITHUB_TOKEN, ...).
   * @param {boolean} [options.pluginInternalCommand] register internal-set-repo-path (EnablePluginInternalCommand).
   * @param {SecretMasker} [options.masker] share a masker across steps (it is job-wide, HostContext.SecretMasker).
   */
  constructor(options = {}) {
    this.options = { enhancedAnnotations: true, deprecateStepOutputCommands: true, stepDebug: false, ...options }
    this.registered = new NameSet(KNOWN_COMMANDS) // Initialize, lines 30-47
    if (this.options.pluginInternalCommand) this.registered.add('internal-set-repo-path')
    this.masker = options.masker ?? new SecretMasker()
    for (const secret of options.secrets ?? []) this.masker.addValue(secret)
    this.echo = options.echo ?? Boolean(this.options.stepDebug)
    this.stopped = false // _stopProcessCommand, line 27
    this.stopToken = null // _stopToken, line 28
    this.lineNo = -1
    this.visible = []
    this.shown = []
    this.commands = []
    this.ignored = []
    this.masks = []
    this.stops = []
    this.annotations = []
    this.issueCounts = { error: 0, warning: 0, notice: 0 }
    this.outputs = {}
    this.state = {}
    this.env = {}
    this.path = []
    this.failed = false
    this.fatal = undefined
  }

  enablePluginInternalCommand() {
    this.registered.add('internal-set-repo-path')
  }
  disablePluginInternalCommand() {
    this.registered.delete('internal-set-repo-path')
  }

  // ExecutionContext.Write (ExecutionContext.cs:1099-1120): the masked `${tag}${message}` is one log line.
  write(tag, message) {
    const text = this.masker.mask(`${tag ?? ''}${message ?? ''}`)
    this.visible.push(text)
    // Which stdout line each shown line comes from (not in the runner: for the harness's checks).
    this.shown.push({ line: this.lineNo, text })
  }
  output(message) {
    this.write(null, message)
  }
  debug(message) {
    // ExecutionContextExtension.Debug (1523-1536): only with step debug; one line each after \r\n -> \n.
    if (!this.options.stepDebug) return
    for (const line of String(message ?? '')
      .replace(/\r\n/g, '\n')
      .split('\n'))
      this.write(TAGS.debug, line)
  }
  /** ExecutionContext.AddIssue (ExecutionContext.cs:796-872): masked, cut to 4096, counted (10 per type kept as annotations), logged with its tag. */
  addIssue(type, message, properties = {}) {
    let text = this.masker.mask(message ?? '')
    if (text.length > MAX_ISSUE_MESSAGE_LENGTH) text = text.slice(0, MAX_ISSUE_MESSAGE_LENGTH)
    const kept = this.issueCounts[type] < MAX_COUNT_PER_ISSUE_TYPE
    if (kept) this.issueCounts[type]++
    this.annotations.push({ type, message: text, properties, line: this.lineNo, kept })
    if (text !== '') this.write(TAGS[type], text)
  }
  error(message) {
    this.addIssue('error', message)
  }
  warning(message) {
    this.addIssue('warning', message)
  }

  /**
   * OutputManager.OnDataReceived for one line (OutputManager.cs:77-170).
   * @returns {boolean} whether TryProcessCommand consumed it
   */
  processLine(line) {
    this.lineNo++
    if (this.fatal) return false
    if (line !== '' && (line.includes(PREFIX) || line.includes(COMMAND_KEY))) {
      let consumed
      try {
        consumed = this.tryProcessCommand(line)
      } catch (error) {
        // An exception out of TryProcessCommand (ValidateStopToken, lines 184-187) is outside the
        // extension try/catch: it propagates out of the output event and fails the step.
        this.fatal = { line: this.lineNo, message: error.message }
        this.failed = true
        return false
      }
      if (consumed) return true
    }
    // OutputManager.cs:93-99: composite markers are defanged.
    let text = line
    if (text !== '' && (text.includes('##[start-action') || text.includes('##[end-action'))) {
      text = text.split('##[start-action').join('##[\\start-action').split('##[end-action').join('##[\\end-action')
    }
    this.output(text) // line 169
    return false
  }

  /** ActionCommandManager.TryProcessCommand (ActionCommandManager.cs:61-154). Throws where the runner throws. */
  tryProcessCommand(input) {
    if (input == null || input === '') return false
    const parsed = tryParseV2(input, this.registered) ?? tryParseLegacy(input, this.registered)
    if (!parsed) return false
    const record = {
      command: parsed.command,
      properties: parsed.properties,
      data: parsed.data,
      line: this.lineNo,
      form: parsed.form
    }
    if (!this.options.enhancedAnnotations && parsed.command.toLowerCase() === 'notice') {
      this.debug("Enhanced Annotations not enabled on the server: 'notice' command will not be processed.")
      this.ignored.push({ ...record, reason: 'notice needs enhanced annotations' })
      return false
    }
    if (this.stopped) {
      // lines 86-104
      if (this.stopToken && parsed.command.toUpperCase() === this.stopToken.toUpperCase()) {
        this.output(input)
        this.debug('Resume processing commands')
        this.registered.delete(this.stopToken)
        const stop = this.stops[this.stops.length - 1]
        if (stop) stop.resumedAt = this.lineNo
        this.commands.push({ ...record, effect: 'resume' })
        this.stopped = false
        this.stopToken = null
        return true
      }
      this.debug(`Process commands has been stopped and waiting for '##[${this.stopToken}]' to resume.`)
      this.ignored.push({ ...record, reason: 'stopped' })
      return false
    }
    const name = parsed.command.toLowerCase()
    if (name === 'stop-commands') {
      // lines 109-124
      this.validateStopToken(parsed.data)
      this.stopToken = parsed.data
      this.stopped = true
      this.registered.add(this.stopToken)
      if (this.stopToken.length > 6) this.addMask(this.stopToken)
      this.output(input)
      this.debug('Paused processing commands until the token you called ::stopCommands:: with is received')
      this.stops.push({ line: this.lineNo, token: this.stopToken, resumable: resumable(this.stopToken) })
      this.commands.push({ ...record, effect: 'stop' })
      return true
    }
    if (!KNOWN_COMMANDS.includes(name) && name !== 'internal-set-repo-path') {
      // line 146-149 (only reachable for a registered name without an extension)
      this.warning(`Can't find command extension for ##[${parsed.command}.command].`)
      this.commands.push({ ...record, effect: 'no extension' })
      return true
    }
    if (this.echo && !OMIT_ECHO[name]) this.output(input) // lines 128-131
    const entry = { ...record, effect: 'processed' }
    this.commands.push(entry)
    try {
      this.runExtension(name, parsed, entry)
    } catch (error) {
      // lines 137-143
      const info = OMIT_ECHO[name] ? parsed.command : input
      this.error(`Unable to process command '${info}' successfully.`)
      this.error(error.message)
      this.debug(error.message)
      this.failed = true
      entry.effect = 'failed'
      entry.error = error.message
    }
    return true
  }

  /** ValidateStopToken (lines 156-188). */
  validateStopToken(token) {
    const invalid = this.registered.has(token) || token === '' || token.toLowerCase() === 'pause-logging'
    if (invalid && !convertToBoolean(this.options.allowUnsecureStopTokens)) throw new Error(UNSUPPORTED_STOP_TOKEN)
  }

  addMask(value) {
    if (this.masker.addValue(value)) this.masks.push(value)
  }

  runExtension(name, parsed, entry) {
    const data = parsed.data
    const props = parsed.propertyMap
    switch (name) {
      case 'add-mask': // AddMaskCommandExtension.ProcessCommand, lines 427-450
        if (isNullOrWhiteSpace(data)) {
          this.warning("Can't add secret mask for empty string in ##[add-mask] command.")
          entry.effect = 'rejected (blank)'
          return
        }
        if (this.echo) this.output('::add-mask::***')
        this.addMask(data)
        // "Also add each individual line": split on \r and \n, empties removed, each trimmed (line 444).
        for (const item of dotnetSplit(data, ['\r', '\n'], { removeEmpty: true, trim: true })) this.addMask(item)
        return
      case 'set-output': // lines 315-353
      case 'save-state': {
        // lines 368-412
        if (this.options.deprecateStepOutputCommands) this.warning(UNSUPPORTED_COMMAND_DEPRECATED(name))
        const key = props.get('name')
        if (!key) throw new Error(`Required field 'name' is missing in ##[${name}] command.`)
        if (name === 'set-output') this.outputs[key] = data
        else this.state[key] = data
        this.debug(`${key}='${data}'`)
        return
      }
      case 'set-env': // lines 241-295
      case 'add-path': {
        // lines 460-492
        if (!boolTryParse(this.options.allowUnsecureCommands)) throw new Error(UNSUPPORTED_COMMAND_DISABLED(name))
        if (name === 'add-path') {
          if (!data) throw new Error("Value cannot be null. (Parameter 'path')")
          this.path = this.path.filter((p) => p !== data).concat(data)
          return
        }
        const envName = props.get('name')
        if (!envName) throw new Error("Required field 'name' is missing in ##[set-env] command.")
        if (envName.toUpperCase() === 'NODE_OPTIONS') {
          this.error(`Can't update NODE_OPTIONS environment variable using ::set-env:: command.`)
          return
        }
        this.env[envName] = data
        this.debug(`${envName}='${data}'`)
        return
      }
      case 'error':
      case 'warning':
      case 'notice': {
        // IssueCommandExtension.ProcessCommand, lines 652-714 (file -> repo-relative path not modelled)
        validateLinesAndColumns(props)
        this.addIssue(name, data, props.toObject())
        return
      }
      case 'debug': // lines 617-620
        this.debug(data)
        return
      case 'group': // GroupingCommandExtension, lines 802-806
        this.output(`##[group]${data}`)
        return
      case 'endgroup':
        this.output('##[endgroup]')
        return
      case 'echo': // lines 816-833
        if (!data) throw new Error("Value cannot be null. (Parameter 'value')")
        switch (dotnetTrim(data).toUpperCase()) {
          case 'ON':
            this.echo = true
            this.debug("Setting echo command value to 'on'")
            return
          case 'OFF':
            this.echo = false
            this.debug("Setting echo command value to 'off'")
            return
          default:
            throw new Error(
              `Invalid echo command value. Possible values can be: 'on', 'off'. Current value is: '${data}'.`
            )
        }
      case 'add-matcher':
      case 'remove-matcher':
      case 'internal-set-repo-path':
        entry.effect = 'processed (effect not modelled)'
        return
    }
  }

  result() {
    return {
      commands: this.commands,
      visible: this.visible,
      shown: this.shown,
      masks: this.masks,
      ...(this.stops.length > 0 ? { stoppedAt: this.stops[0].line } : {}),
      stops: this.stops,
      stoppedAtEnd: this.stopped,
      ignored: this.ignored,
      annotations: this.annotations,
      outputs: this.outputs,
      state: this.state,
      env: this.env,
      path: this.path,
      echo: this.echo,
      failed: this.failed,
      ...(this.fatal ? { fatal: this.fatal } : {})
    }
  }
}

/** Whether a stop token can ever be matched again as a command name (no space, no "]"/"::" cutting it, not empty). */
function resumable(token) {
  if (!token) return false
  // The name is cut at the first space (lines 80-84 / 150-154); V2 info ends at "::", legacy at "]".
  return !token.includes(' ') && !(token.includes('::') && token.includes(']'))
}

/**
 * Reads a step's stdout as the runner does.
 * @param {string} stdout
 * @param {ConstructorParameters<typeof StepModel>[0]} [options]
 * @returns {{commands: Array<{command: string, properties: Record<string,string>, data: string, line: number, form: string, effect: string}>,
 *   visible: string[], masks: string[], stoppedAt?: number, stops: Array<{line: number, token: string, resumedAt?: number, resumable: boolean}>,
 *   stoppedAtEnd: boolean, ignored: object[], annotations: object[], outputs: object, state: object, env: object, path: string[],
 *   echo: boolean, failed: boolean, fatal?: {line: number, message: string}, lines: string[]}}
 *   `line` numbers are 0-based indexes into `lines` (the stream split as StreamReader.ReadLine splits it).
 */
export function readAsRunner(stdout, options = {}) {
  const step = new StepModel(options)
  const lines = splitLines(stdout)
  for (const line of lines) step.processLine(line)
  return { ...step.result(), lines }
}
