/**
 * The error catalogue: every error a user can cause has a stable code, a message naming the
 * resource and field, where it came from (file:line:col), and the fix.
 * Codes are never reused: JK1xxx input, JK2xxx server/connection, JK3xxx plan/safety,
 * JK4xxx local cluster, JK9xxx internal.
 */

const CONTROL_NAMES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x1b': '\\e' };

/**
 * Text from manifests or servers made safe for a terminal: control characters (C0, DEL, C1),
 * line and paragraph separators and bidirectional overrides are shown as escapes (`\e`, `\n`,
 * `\x07`, `\u202e`) instead of being sent raw, where they could clear the screen, set the window
 * title or reorder what a person reads. Every text output passes through this.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return CONTROL_NAMES[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** escapeControl for text of several lines: the line breaks stay, everything else is escaped. */
export function escapeControlLines(text: string): string {
  return text.split('\n').map(escapeControl).join('\n');
}

export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

interface CatalogueEntry {
  title: string;
  exitCode: number;
}

export const catalogue = {
  JK1001: { title: 'cannot read manifest', exitCode: 1 },
  JK1002: { title: 'manifest is not valid YAML or JSON', exitCode: 1 },
  JK1003: { title: 'unknown apiVersion or kind', exitCode: 1 },
  JK1004: { title: 'unknown field', exitCode: 1 },
  JK1005: { title: 'invalid field value', exitCode: 1 },
  JK1006: { title: 'missing required field', exitCode: 1 },
  JK1007: { title: 'invalid duration', exitCode: 1 },
  JK1008: { title: 'duplicate resource', exitCode: 1 },
  JK1009: { title: 'conflicting fields', exitCode: 1 },
  JK1010: { title: 'no manifests found', exitCode: 1 },
  JK1011: { title: 'unknown reference', exitCode: 1 },
  JK1012: { title: 'invalid command-line option', exitCode: 1 },
  JK1013: { title: 'invalid subject', exitCode: 1 },
  JK1014: { title: 'invalid name', exitCode: 1 },
  JK1015: { title: 'resources conflict on the server', exitCode: 1 },
  JK1016: { title: 'invalid option', exitCode: 1 },
  // input limits and unreadable input (numbered apart from the validation codes)
  JK1101: { title: 'YAML aliases expand too far', exitCode: 1 },
  JK1102: { title: 'manifest file or document too large', exitCode: 1 },
  JK1103: { title: 'too many documents', exitCode: 1 },
  JK1104: { title: 'list too long or nesting too deep', exitCode: 1 },
  JK1105: { title: 'not a regular file', exitCode: 1 },
  JK1106: { title: 'a secret where a file path is expected', exitCode: 1 },
  JK2001: { title: 'cannot connect to NATS', exitCode: 1 },
  JK2002: { title: 'JetStream is not available', exitCode: 1 },
  JK2003: { title: 'server rejected the request', exitCode: 1 },
  JK2004: { title: 'cannot read connection settings', exitCode: 1 },
  JK2005: { title: 'request timed out', exitCode: 1 },
  JK2010: { title: 'invalid connection setting', exitCode: 1 },
  JK3001: { title: 'change needs replace', exitCode: 1 },
  JK3002: { title: 'field not supported by the connected server', exitCode: 1 },
  JK3003: { title: 'resource is protected', exitCode: 1 },
  JK3004: { title: 'resource not managed by jetkeeper', exitCode: 1 },
  JK3005: { title: 'apply failed', exitCode: 1 },
  JK3006: { title: 'prune needs ownership metadata', exitCode: 1 },
  JK3007: { title: 'prune refused: nothing declared', exitCode: 1 },
  JK3008: { title: 'prune refused: too many deletes', exitCode: 1 },
  JK3009: { title: 'prune needs the whole declared set', exitCode: 1 },
  JK4001: { title: 'nats-server binary not found', exitCode: 1 },
  JK4002: { title: 'port is busy', exitCode: 1 },
  JK4003: { title: 'local cluster did not become ready', exitCode: 1 },
  JK4004: { title: 'no local cluster', exitCode: 1 },
  JK4005: { title: 'local cluster already running', exitCode: 1 },
  JK4006: { title: 'no such server in the local cluster', exitCode: 1 },
  JK4007: { title: 'network namespaces are not available', exitCode: 1 },
  JK4008: { title: 'nats-server exited', exitCode: 1 },
  JK4009: { title: 'interrupted', exitCode: 1 },
  JK4010: { title: 'network namespace operation failed', exitCode: 1 },
  JK4011: { title: 'example service did not start', exitCode: 1 },
  // Kubernetes source, CRDs, leader election (src/kube, src/controller/sources/kubernetes.ts)
  JK5050: { title: 'Kubernetes API request failed', exitCode: 1 },
  JK5051: { title: 'cannot load the Kubernetes configuration', exitCode: 1 },
  JK5052: { title: 'Secret or Secret key not found', exitCode: 1 },
  JK5053: { title: 'Account not found in the namespace', exitCode: 1 },
  JK5054: { title: 'invalid jetkeeper.io annotation', exitCode: 1 },
  JK5055: { title: 'leader election failed', exitCode: 1 },
  JK5056: { title: 'invalid Kubernetes source option', exitCode: 1 },
  JK9001: { title: 'internal error', exitCode: 70 },
  // observability: metrics, checks, reports, doctor
  JK6001: { title: 'no monitor endpoints to read', exitCode: 1 },
  JK6002: { title: 'invalid listen address', exitCode: 1 },
  JK6003: { title: 'cannot listen for scrapes', exitCode: 1 },
  JK6004: { title: 'stream or consumer not found', exitCode: 1 },
  JK6005: { title: 'no server answered its monitor endpoint', exitCode: 1 },
  // policy lint, editor schemas and explain
  JK1201: { title: 'lint configuration cannot be read', exitCode: 1 },
  JK1202: { title: 'invalid lint configuration', exitCode: 1 },
  JK1203: { title: 'unknown field to explain', exitCode: 1 },
  // controller core and directory source
  JK5001: { title: 'invalid controller option', exitCode: 1 },
  JK5002: { title: 'cannot listen on the controller address', exitCode: 1 },
  JK5003: { title: 'controller source not available', exitCode: 1 },
  JK5004: { title: 'cannot watch the manifest directory', exitCode: 1 },
  JK5005: { title: 'cannot write the status file', exitCode: 1 },
  // backup, restore, verify and migrate (src/backup)
  JK7001: { title: 'invalid backup option', exitCode: 1 },
  JK7002: { title: 'stream to back up not found', exitCode: 1 },
  JK7003: { title: 'memory streams cannot be snapshotted', exitCode: 1 },
  JK7004: { title: 'backup directory is not empty', exitCode: 1 },
  JK7005: { title: 'backup is corrupt or incomplete', exitCode: 1 },
  JK7006: { title: 'stream already exists', exitCode: 1 },
  JK7007: { title: 'stream cannot be renamed on restore', exitCode: 1 },
  JK7008: { title: 'snapshot failed', exitCode: 1 },
  JK7009: { title: 'restore failed', exitCode: 1 },
  JK7010: { title: 'backup verification failed', exitCode: 1 },
  JK7011: { title: 'not a backup directory', exitCode: 1 },
  JK7012: { title: 'migration refused', exitCode: 1 },
  JK7013: { title: 'invalid backup policy', exitCode: 1 },
  JK7014: { title: 'invalid stream selector', exitCode: 1 },
  // accounts, users, NKeys/JWT and TLS
  JK8001: { title: 'not exactly one Operator', exitCode: 1 },
  JK8002: { title: 'unknown security reference', exitCode: 1 },
  JK8003: { title: 'import without a matching export', exitCode: 1 },
  JK8004: { title: 'import of an export not approved for the account', exitCode: 1 },
  JK8005: { title: 'unknown role template', exitCode: 1 },
  JK8006: { title: 'JetStream in the system account', exitCode: 1 },
  JK8007: { title: 'stream beyond the account JetStream limits', exitCode: 1 },
  JK8008: { title: 'security resources not issued yet', exitCode: 1 },
  JK8010: { title: 'seed file readable by others', exitCode: 1 },
  JK8011: { title: 'not an NKey seed of the expected type', exitCode: 1 },
  JK8012: { title: 'key file exists', exitCode: 1 },
  JK8013: { title: 'account JWT not accepted by every server', exitCode: 1 },
  JK8014: { title: 'openssl is not available', exitCode: 1 },
  JK8015: { title: 'certificate generation failed', exitCode: 1 },
  JK2101: { title: 'server certificate not signed by a trusted CA', exitCode: 1 },
  JK2102: { title: 'server certificate expired or not yet valid', exitCode: 1 },
  JK2103: { title: 'server certificate does not name the host', exitCode: 1 },
  JK2104: { title: 'cannot read a TLS file', exitCode: 1 },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof catalogue;

export interface JkErrorInit {
  /** what is wrong, one line */
  message: string;
  /** how to fix it */
  fix?: string;
  /** "Stream/ORDERS" style reference */
  resource?: string;
  /** dotted field path, e.g. spec.maxAge */
  field?: string;
  at?: SourcePosition;
  cause?: unknown;
  /** a retry may succeed (leader election, timeout) */
  transient?: boolean;
  /** JetStream API err_code when the server refused */
  apiCode?: number;
  /**
   * The library option at fault (`allowReplace`, `portBase`, ...). Messages and fixes name
   * options in backticks (`` `portBase` ``) so a front end can put its own name in their place
   * (the CLI puts the flag, `--port-base`).
   */
  option?: string;
}

/** The one error type jetkeeper throws for anything a user can cause. */
export class JkError extends Error {
  readonly code: ErrorCode;
  readonly fix?: string;
  readonly resource?: string;
  readonly field?: string;
  readonly at?: SourcePosition;
  readonly transient: boolean;
  readonly apiCode?: number;
  readonly option?: string;

  constructor(code: ErrorCode, init: JkErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'JkError';
    this.code = code;
    this.fix = init.fix;
    this.resource = init.resource;
    this.field = init.field;
    this.at = init.at;
    this.transient = init.transient ?? false;
    this.apiCode = init.apiCode;
    this.option = init.option;
  }

  get exitCode(): number {
    return catalogue[this.code].exitCode;
  }

  /** One line (plus the fix) for humans, control characters escaped: `file:line:col: JK1004 Stream/x spec.maxAg: unknown field ... (fix: ...)`. */
  format(): string {
    const where = this.at ? `${escapeControl(this.at.file)}:${this.at.line}:${this.at.col}: ` : '';
    const what = escapeControl([this.resource, this.field].filter(Boolean).join(' '));
    // a message may span lines (a log tail): each further line is indented, so none can pose as another error
    const message = escapeControlLines(this.message).replaceAll('\n', '\n    ');
    const head = `${where}${this.code} ${what ? what + ': ' : ''}${message}`;
    return this.fix ? `${head}\n  fix: ${escapeControl(this.fix)}` : head;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      title: catalogue[this.code].title,
      message: this.message,
      resource: this.resource,
      field: this.field,
      at: this.at,
      fix: this.fix,
      apiCode: this.apiCode,
      option: this.option,
    };
  }
}

/** Several input errors found in one pass (validation reports them all, not just the first). */
export class JkErrors extends Error {
  readonly errors: JkError[];
  constructor(errors: JkError[]) {
    super(errors.map((e) => e.format()).join('\n'));
    this.name = 'JkErrors';
    this.errors = errors;
  }
  get exitCode(): number {
    return this.errors[0]?.exitCode ?? 1;
  }
}

export function isJkError(e: unknown): e is JkError {
  return e instanceof JkError;
}
