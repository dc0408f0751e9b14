/**
 * Errors as RFC 9457 `application/problem+json`. Every HTTP API of corriente answers errors in
 * this one shape: `{ type, title, status, detail, instance?, ...extensions }`.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    /** A stable, documented problem type, e.g. `insufficient-funds`. */
    readonly type: string = 'about:blank',
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toJSON(instance?: string): Record<string, unknown> {
    return {
      type: this.type === 'about:blank' ? this.type : `urn:corriente:problem:${this.type}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
