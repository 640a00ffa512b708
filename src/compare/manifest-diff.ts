/**
 * A unified diff of two manifests' canonical YAML: since manifests are canonical, every
 * changed line is a real change.
 */
import { createTwoFilesPatch } from 'diff';

/**
 * The patch turning manifest A into manifest B.
 *
 * @example
 * manifestPatch(yamlA, yamlB, 'runs/3f/3f9a…/run.yaml', 'runs/9c/9c01…/run.yaml');
 */
export function manifestPatch(a: string, b: string, labelA: string, labelB: string): string {
  return createTwoFilesPatch(labelA, labelB, a, b, undefined, undefined, { context: 3 });
}
