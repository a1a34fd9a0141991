// The one error type of the project: a code, a message that says what to fix, and an exit code.

/** Exit codes of DESIGN.md's CLI contract. */
export const ExitCode = {
  ok: 0,
  unhealthy: 1,
  usage: 2,
  unreachable: 3,
  internal: 70,
  interrupted: 130,
} as const;

export class OperatorError extends Error {
  /**
   * @param code machine-readable, snake_case (`invalid_option`, `target_unreachable`)
   * @param exitCode 1 unhealthy, 2 usage/input, 3 unreachable target
   * @param status the HTTP status when this error answers a request (4xx)
   */
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: 1 | 2 | 3 = 2,
    options?: ErrorOptions & { status?: number },
  ) {
    super(message, options);
    this.name = "OperatorError";
    this.status = options?.status ?? (exitCode === 3 ? 503 : 400);
  }
  readonly status: number;
}

export const usageError = (code: string, message: string, options?: ErrorOptions) =>
  new OperatorError(code, message, 2, options);

export const unreachableError = (code: string, message: string, options?: ErrorOptions) =>
  new OperatorError(code, message, 3, options);

export const unhealthyError = (code: string, message: string) => new OperatorError(code, message, 1);

/** An HTTP-facing error: `status` is the response code, the body is `{error: code, message}`. */
export const httpError = (status: number, code: string, message: string) =>
  new OperatorError(code, message, 2, { status });

export const isOperatorError = (error: unknown): error is OperatorError => error instanceof OperatorError;
