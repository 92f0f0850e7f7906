/**
 * A mistake the user can fix (bad flag, missing folder, invalid config):
 * printed as one line without a stack trace. Every other error prints in full.
 */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    /** Stable, machine-readable code, e.g. `DATASET_EMPTY`. */
    readonly code: string,
  ) {
    super(message);
  }
}

/** True for errors whose message is meant for the user as is. */
export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
