/**
 * The shape every explainable score shares: each component's value, weight and
 * contribution, so a person can see why the score is what it is.
 */
export interface ScoreComponent<Name extends string = string> {
  name: Name;
  /** The component's own score, 0–100 (or the model's unit), or null when it had no data. */
  value: number | null;
  /** The weight actually applied (after renormalization over components with data). */
  weight: number;
  /** value × weight; the contributions of a score sum to the score. */
  contribution: number;
  /** One sentence on what drove this component, in words a CSM can repeat to a customer. */
  explanation: string;
}
