/**
 * Label schemes: explicit tables from a database's original emotion to the
 * class of a regrouped scheme (megc3, casme2-5, 4class, smic3, samm5 …).
 * The tables themselves live in src/datasets/labelSchemes.ts.
 */
export interface LabelScheme {
  readonly name: string;
  /** class names in a fixed order; a class's index is its y */
  readonly classes: readonly string[];
  readonly description: string;
  /**
   * The class of an original emotion from a given dataset part, or undefined
   * when the clip is outside the scheme (it is then dropped and counted).
   */
  map(emotion: string, dataset: string): string | undefined;
}
