/**
 * Which way a metric improves: given by the user (`--higher-is-better f1,auc`,
 * `--lower-is-better loss`) or guessed from well-known names.
 */

export type Direction = 'higher' | 'lower';

export interface DirectionOptions {
  higherIsBetter?: string[];
  lowerIsBetter?: string[];
}

const LOWER = /^(?:loss|error|err|mse|rmse|mae|mape|logloss|log_loss|perplexity|wer|cer)$|_loss$|_error$|^loss_/;
const HIGHER = /^(?:accuracy|acc|f1|f1_score|precision|recall|auc|roc_auc|pr_auc|r2|ap|map|bleu|rouge|iou|miou)$|_acc$|_accuracy$|_f1$|_auc$/;

/**
 * The direction of a metric, or undefined when unknown. The last dotted segment counts, so
 * `val.loss` is lower-is-better.
 *
 * @example
 * metricDirection('val.loss');                          // 'lower'
 * metricDirection('f1');                                // 'higher'
 * metricDirection('speed', { higherIsBetter: ['speed'] }); // 'higher'
 * metricDirection('speed');                             // undefined
 */
export function metricDirection(name: string, options: DirectionOptions = {}): Direction | undefined {
  if (options.higherIsBetter?.includes(name)) return 'higher';
  if (options.lowerIsBetter?.includes(name)) return 'lower';
  const last = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  if (LOWER.test(last)) return 'lower';
  if (HIGHER.test(last)) return 'higher';
  return undefined;
}
