/**
 * A model file that corriente cannot serve: malformed JSON, a field of the wrong shape, an
 * inconsistent tree, or an objective or booster other than the ones it implements. The message
 * names the offending field (e.g. `learner.gradient_booster.model.trees[3].left_children[7]`).
 */
export class ModelFormatError extends Error {
  constructor(
    message: string,
    /** Dotted path of the offending field, when one field is to blame. */
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'ModelFormatError';
  }
}
