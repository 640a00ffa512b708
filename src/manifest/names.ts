/**
 * The manifest's format marker and what makes a valid param, metric, tag or series name:
 * what flag parsing needs before (and without) the zod schema.
 */
export const MANIFEST_FORMAT = 'git-track/run@1';

/**
 * A param, metric, tag or series name: dot-separated segments, no whitespace, no control
 * characters and no `=` (so `-p NAME=VALUE` always splits where the user expects).
 * Length and well-formed UTF-16 keep a quoted name under YAML's 1024-character limit for keys.
 */
export const NAME_PATTERN = /^[^\s.=\x00-\x1f\x7f-\x9f\ufffe\uffff]+(?:\.[^\s.=\x00-\x1f\x7f-\x9f\ufffe\uffff]+)*$/;
export const NAME_MAX = 256;

/** An unpaired UTF-16 surrogate: a name with one cannot be written as UTF-8. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

/**
 * True for a valid param, metric, tag or series name.
 *
 * @example
 * isValidName('model.depth'); // true
 * isValidName('learning rate'); // false
 */
export function isValidName(name: string): boolean {
  return name.length <= NAME_MAX && NAME_PATTERN.test(name) && !LONE_SURROGATE.test(name);
}
